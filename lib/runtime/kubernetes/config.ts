/**
 * Settings of the Kubernetes runtime. The cluster comes from the kubeconfig client-node finds:
 * KUBECONFIG, else ~/.kube/config, else the in-cluster service account. The rest comes from each
 * environment's `runtime` settings (namespace, kubeconfig context, Gateway, Prometheus), with
 * process-wide defaults from the environment variables:
 *  - FLIGHTDECK_K8S_NAMESPACE: one namespace for every service (default: a namespace per
 *    service, named after it, which must exist);
 *  - FLIGHTDECK_K8S_GATEWAY: `[namespace/]name[:listener]` of the Gateway the HTTPRoutes
 *    attach to; without it the split is a replica ratio behind one Service;
 *  - FLIGHTDECK_K8S_HOSTNAMES: comma-separated hostnames for the HTTPRoutes;
 *  - FLIGHTDECK_PROMETHEUS_URL: the Prometheus that counts requests per version.
 */
import { KubeConfig } from '@kubernetes/client-node';
import { AppError } from '../../errors/app-error';
import { gatewayInput, kubernetesSettings, parseOrThrow, type GatewayRef, type KubernetesSettings } from './spec';
import { isDnsLabel } from './names';
import type { PrometheusSettings } from './traffic';

export interface KubernetesRuntimeOptions {
  kubeConfig: KubeConfig;
  /** One namespace for all services; absent: each service in the namespace of its name. */
  namespace?: string;
  gateway?: GatewayRef;
  /** Where request counts per version come from; absent: the runtime counts nothing. */
  prometheus?: PrometheusSettings;
  /** Why the cluster cannot be used (a kubeconfig context that does not exist…): every call faults with it. */
  configError?: string;
  /** terminationGracePeriodSeconds of every pod: how long a stopping pod may finish requests. */
  drainSeconds?: number;
  /** Follow pods with a watch, for crash records (default true). */
  watch?: boolean;
  /** Pause before re-establishing a dropped watch (ms, default 1000). */
  watchRetryMs?: number;
  /** How long the pod watch may stay down before writes refuse with a fault (ms, default 30 000). */
  watchGraceMs?: number;
  /** Attempts at a write whose object changed between read and write (409), default 3. */
  conflictAttempts?: number;
  requestTimeoutMs?: number;
  /** The control plane's clock (epoch ms), for instances the platform has not created yet. */
  now?: () => number;
}

export function parseGateway(value: string): GatewayRef {
  const m = /^(?:([^/:]+)\/)?([^/:]+)(?::([^/:]+))?$/.exec(value.trim());
  if (!m) throw new AppError('invalid', `FLIGHTDECK_K8S_GATEWAY must be [namespace/]name[:listener], got ${JSON.stringify(value)}`);
  return parseOrThrow(gatewayInput, { name: m[2], ...(m[1] ? { namespace: m[1] } : {}), ...(m[3] ? { sectionName: m[3] } : {}) }, 'FLIGHTDECK_K8S_GATEWAY');
}

/** Process-wide defaults from the environment variables (an environment's settings override them). */
export function kubernetesDefaultsFromEnv(env: Record<string, string | undefined>): KubernetesSettings {
  const namespace = env.FLIGHTDECK_K8S_NAMESPACE?.trim() || undefined;
  if (namespace && !isDnsLabel(namespace)) throw new AppError('invalid', `FLIGHTDECK_K8S_NAMESPACE ${JSON.stringify(namespace)} is not a DNS-1123 label`);
  let gateway = env.FLIGHTDECK_K8S_GATEWAY?.trim() ? parseGateway(env.FLIGHTDECK_K8S_GATEWAY) : undefined;
  const hostnames = env.FLIGHTDECK_K8S_HOSTNAMES?.split(',').map((h) => h.trim()).filter(Boolean);
  if (gateway && hostnames?.length) gateway = parseOrThrow(gatewayInput, { ...gateway, hostnames }, 'FLIGHTDECK_K8S_HOSTNAMES');
  const prometheus = env.FLIGHTDECK_PROMETHEUS_URL?.trim() ? { address: env.FLIGHTDECK_PROMETHEUS_URL.trim() } : undefined;
  return parseOrThrow(kubernetesSettings, { ...(namespace ? { namespace } : {}), ...(gateway ? { gateway } : {}), ...(prometheus ? { prometheus } : {}) }, 'Kubernetes settings');
}

/** The kubeconfig client-node finds, switched to `context` when one is named. */
export function loadKubeConfig(context?: string): { kubeConfig: KubeConfig; configError?: string } {
  const kc = new KubeConfig();
  try {
    kc.loadFromDefault();
  } catch (e) {
    return { kubeConfig: kc, configError: `cannot read the kubeconfig: ${(e as Error).message}` };
  }
  if (context) {
    if (!kc.getContextObject(context)) {
      const known = kc.getContexts().map((c) => c.name);
      return { kubeConfig: kc, configError: `the kubeconfig has no context ${JSON.stringify(context)} (it has: ${known.join(', ') || 'none'})` };
    }
    kc.setCurrentContext(context);
  }
  return { kubeConfig: kc };
}

/**
 * The runtime options for one environment: its stored `runtime` settings over the process-wide
 * defaults. Settings that do not parse (stored before a rule existed) make every call fault with
 * the reason, so deployments there pause instead of acting on a guess.
 */
export function kubernetesOptionsFor(settings: unknown, defaults: KubernetesSettings, load = loadKubeConfig): KubernetesRuntimeOptions {
  const raw = settings !== null && typeof settings === 'object' && !Array.isArray(settings) ? { ...(settings as Record<string, unknown>) } : {};
  delete raw.driver;
  delete raw.pool;
  let mine: KubernetesSettings = {};
  let settingsError: string | undefined;
  try {
    mine = parseOrThrow(kubernetesSettings, raw, 'environment runtime settings');
  } catch (e) {
    settingsError = (e as Error).message;
  }
  const s = { ...defaults, ...mine };
  const { kubeConfig, configError } = load(s.context);
  return {
    kubeConfig,
    ...(s.namespace ? { namespace: s.namespace } : {}),
    ...(s.gateway ? { gateway: s.gateway } : {}),
    ...(s.prometheus ? { prometheus: s.prometheus } : {}),
    ...(settingsError || configError ? { configError: settingsError ?? configError } : {}),
  };
}

export function kubernetesOptionsFromEnv(env: Record<string, string | undefined>): KubernetesRuntimeOptions {
  return kubernetesOptionsFor({}, kubernetesDefaultsFromEnv(env));
}
