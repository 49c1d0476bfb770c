/**
 * Settings of the Kubernetes runtime, from the environment:
 *  - the cluster: KUBECONFIG, else ~/.kube/config, else the in-cluster service account
 *    (what client-node's loadFromDefault looks at, in that order);
 *  - FLIGHTDECK_K8S_NAMESPACE: one namespace for every service (default: a namespace per
 *    service, named after it, which must exist);
 *  - FLIGHTDECK_K8S_GATEWAY: `[namespace/]name[:listener]` of the Gateway the HTTPRoutes
 *    attach to; without it the split is a replica ratio behind one Service;
 *  - FLIGHTDECK_K8S_HOSTNAMES: comma-separated hostnames for the HTTPRoutes.
 */
import { KubeConfig } from '@kubernetes/client-node';
import { AppError } from '../../errors/app-error';
import type { HealthPolicy } from '../../engine/types';
import { gatewayInput, parseOrThrow, type GatewayRef } from './spec';
import { isDnsLabel } from './names';

export interface KubernetesRuntimeOptions {
  kubeConfig: KubeConfig;
  /** One namespace for all services; absent: each service in the namespace of its name. */
  namespace?: string;
  gateway?: GatewayRef;
  /** The service's health policy (the readiness probe); absent: defaults with the workload's path. */
  health?: (service: string) => Promise<Partial<HealthPolicy>> | Partial<HealthPolicy>;
  /** ConfigMaps and Secrets the service's pods load their environment from. */
  envFrom?: (service: string) => { configMaps?: string[]; secrets?: string[] };
  /** terminationGracePeriodSeconds of every pod: how long a stopping pod may finish requests. */
  drainSeconds?: number;
  /** Follow pods with a watch, for crash records (default true). */
  watch?: boolean;
  /** Pause before re-establishing a dropped watch (ms, default 1000). */
  watchRetryMs?: number;
  requestTimeoutMs?: number;
}

export function parseGateway(value: string): GatewayRef {
  const m = /^(?:([^/:]+)\/)?([^/:]+)(?::([^/:]+))?$/.exec(value.trim());
  if (!m) throw new AppError('invalid', `FLIGHTDECK_K8S_GATEWAY must be [namespace/]name[:listener], got ${JSON.stringify(value)}`);
  return parseOrThrow(gatewayInput, { name: m[2], ...(m[1] ? { namespace: m[1] } : {}), ...(m[3] ? { sectionName: m[3] } : {}) }, 'FLIGHTDECK_K8S_GATEWAY');
}

export function kubernetesOptionsFromEnv(env: Record<string, string | undefined>): KubernetesRuntimeOptions {
  const kc = new KubeConfig();
  kc.loadFromDefault();
  const namespace = env.FLIGHTDECK_K8S_NAMESPACE?.trim() || undefined;
  if (namespace && !isDnsLabel(namespace)) throw new AppError('invalid', `FLIGHTDECK_K8S_NAMESPACE ${JSON.stringify(namespace)} is not a DNS-1123 label`);
  let gateway = env.FLIGHTDECK_K8S_GATEWAY?.trim() ? parseGateway(env.FLIGHTDECK_K8S_GATEWAY) : undefined;
  const hostnames = env.FLIGHTDECK_K8S_HOSTNAMES?.split(',').map((h) => h.trim()).filter(Boolean);
  if (gateway && hostnames?.length) gateway = parseOrThrow(gatewayInput, { ...gateway, hostnames }, 'FLIGHTDECK_K8S_HOSTNAMES');
  return { kubeConfig: kc, namespace, gateway };
}
