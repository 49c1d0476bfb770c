/**
 * The Kubernetes objects Flightdeck applies for a service, built from plain data. Pure: no I/O,
 * no clock; the same input always gives the same objects, so applying them twice is a no-op.
 *
 *  - per version: a Deployment `<service>-<version slug>` whose replica count is the number of
 *    slots that should run, and a Service selecting exactly that version's pods;
 *  - per service: one stable entry-point Service named after the service, and (with a Gateway)
 *    an HTTPRoute whose weighted backendRefs point at the version Services.
 */
import type { RoutingTable } from '../types';
import type { BackendRef, Container, Deployment, HTTPRoute, Service } from './objects';
import { ANNOTATION, LABEL, standardLabels, stableName, versionObjectName, versionSelector } from './names';
import { gatewayInput, parseOrThrow, versionInput, type GatewayRef, type VersionInput, type VersionSpec } from './spec';
import { AppError } from '../../errors/app-error';

/** Port every Flightdeck Service listens on; it forwards to the container port named "http". */
export const SERVICE_PORT = 80;
const PORT_NAME = 'http';
const CONTAINER_NAME = 'app';
/** Gateway API allows at most this many backendRefs in one rule. */
const MAX_BACKENDS = 16;

export interface Desired {
  /** Slots of the version that should run: the Deployment's replica count is their number. */
  slots: number[];
  /** Which deployment asked for each slot (kept on the Deployment for the instance list). */
  slotOwners?: Record<string, string>;
  /** Fencing token of the writer. */
  fence?: number;
}

export function parseVersion(input: VersionInput): VersionSpec {
  return parseOrThrow(versionInput, input, 'kubernetes version');
}

function assertSlots(slots: number[]): number[] {
  const seen = new Set<number>();
  for (const s of slots) {
    if (!Number.isInteger(s) || s < 0 || s > 999) {
      throw new AppError('invalid', `slot ${JSON.stringify(s)} is not an integer between 0 and 999`, { slot: s });
    }
    if (seen.has(s)) throw new AppError('invalid', `slot ${s} is listed twice`, { slot: s });
    seen.add(s);
  }
  return [...seen].sort((a, b) => a - b);
}

function fenceAnnotation(fence: number | undefined): Record<string, string> {
  if (fence === undefined) return {};
  if (!Number.isSafeInteger(fence) || fence < 0) throw new AppError('invalid', `fencing token ${JSON.stringify(fence)} is not a non-negative integer`, { fence });
  return { [ANNOTATION.fence]: String(fence) };
}

function versionLabels(spec: VersionSpec, withDeployment: boolean): Record<string, string> {
  const labels = standardLabels({ service: spec.service, component: 'version', instance: versionObjectName(spec.service, spec.semver), semver: spec.semver });
  if (spec.versionId) labels[LABEL.versionId] = spec.versionId;
  if (withDeployment && spec.deploymentId) labels[LABEL.deploymentId] = spec.deploymentId;
  return labels;
}

function container(spec: VersionSpec): Container {
  const h = spec.health;
  // The platform decides what PORT an instance listens on, as the local runtime does.
  const env = Object.entries({ ...spec.env, PORT: String(spec.port) })
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, value]) => ({ name, value }));
  const c: Container = {
    name: CONTAINER_NAME,
    image: spec.image,
    ports: [{ name: PORT_NAME, containerPort: spec.port, protocol: 'TCP' }],
    env,
    readinessProbe: {
      httpGet: { path: h.path, port: PORT_NAME, scheme: 'HTTP' },
      // Probe failures while the instance warms up do not count: no probe runs before the grace period ends.
      initialDelaySeconds: Math.ceil(h.gracePeriodSeconds),
      periodSeconds: Math.max(1, Math.ceil(h.intervalSeconds)),
      timeoutSeconds: Math.max(1, Math.ceil(h.timeoutSeconds)),
      successThreshold: h.healthyThreshold,
      failureThreshold: h.unhealthyThreshold,
    },
  };
  const envFrom = spec.envFrom.map((s) => ('configMap' in s ? { configMapRef: { name: s.configMap } } : { secretRef: { name: s.secret } }));
  if (envFrom.length) c.envFrom = envFrom;
  if (spec.resources && (spec.resources.requests || spec.resources.limits)) c.resources = spec.resources;
  return c;
}

/**
 * A version's Deployment. The pod template depends only on the version (never on the
 * deployment or the fence), so scaling the same version from another deployment does not
 * restart its pods.
 */
export function versionDeployment(input: VersionInput, desired: Desired): Deployment {
  const spec = parseVersion(input);
  const slots = assertSlots(desired.slots);
  const name = versionObjectName(spec.service, spec.semver);
  const annotations: Record<string, string> = {
    ...fenceAnnotation(desired.fence),
    [ANNOTATION.semver]: spec.semver,
    [ANNOTATION.slots]: slots.join(','),
  };
  if (desired.slotOwners && Object.keys(desired.slotOwners).length) {
    const owners = Object.fromEntries(slots.filter((s) => desired.slotOwners![String(s)]).map((s) => [String(s), desired.slotOwners![String(s)]!]));
    annotations[ANNOTATION.slotOwners] = JSON.stringify(owners);
  }
  const podLabels = versionLabels(spec, false);
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: spec.namespace, labels: versionLabels(spec, true), annotations },
    spec: {
      replicas: slots.length,
      selector: { matchLabels: versionSelector(spec.service, spec.semver) },
      template: {
        metadata: { labels: podLabels, annotations: { [ANNOTATION.semver]: spec.semver } },
        spec: { terminationGracePeriodSeconds: spec.drainSeconds, containers: [container(spec)] },
      },
    },
  };
}

/** A version's own Service: the target of the HTTPRoute's backendRef for that version. */
export function versionService(input: VersionInput, fence?: number): Service {
  const spec = parseVersion(input);
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: versionObjectName(spec.service, spec.semver),
      namespace: spec.namespace,
      labels: versionLabels(spec, true),
      annotations: { ...fenceAnnotation(fence), [ANNOTATION.semver]: spec.semver },
    },
    spec: {
      type: 'ClusterIP',
      selector: versionSelector(spec.service, spec.semver),
      ports: [{ name: PORT_NAME, port: SERVICE_PORT, targetPort: PORT_NAME, protocol: 'TCP' }],
    },
  };
}

export interface KnownVersion {
  versionId: string;
  semver: string;
}

export interface RoutingPlan {
  /** Selector of the stable Service. */
  stableSelector: Record<string, string>;
  /** Weighted backends for the HTTPRoute, one per version of the table. */
  backendRefs: BackendRef[];
  /** How the split is approximated, when it is (for the plan preview and the panel). */
  note?: string;
}

/** A selector value no version carries: the stable Service then has no endpoints. */
export const NO_VERSION = 'flightdeck-none';

function effectiveWeight(v: RoutingTable['versions'][number]): number {
  return v.slots !== undefined && v.slots.length === 0 ? 0 : v.weight;
}

/** HTTPRoute weights are integers 0..1,000,000; other weights become shares of 1000. */
function integerWeights(weights: number[]): number[] {
  if (weights.every((w) => Number.isInteger(w) && w <= 1_000_000)) return weights;
  const total = weights.reduce((a, b) => a + b, 0);
  if (total === 0) return weights.map(() => 0);
  const exact = weights.map((w) => (w / total) * 1000);
  const out = exact.map(Math.floor);
  const order = exact.map((x, i) => [x - Math.floor(x), i] as const).sort((a, b) => b[0] - a[0]);
  const short = 1000 - out.reduce((a, b) => a + b, 0);
  for (let k = 0; k < short; k++) out[order[k % order.length]![1]]! += 1;
  return out;
}

/**
 * How a routing table becomes Kubernetes objects. With one version in rotation the stable
 * Service selects only that version's pods (a switch is one atomic selector change). With
 * several, the HTTPRoute carries the exact weights; the stable Service selects every pod of
 * the service, so behind it (and without a Gateway, for everyone) the split is the ratio of
 * ready pods.
 */
export function planRouting(service: string, table: RoutingTable, versions: KnownVersion[], hasGateway: boolean): RoutingPlan {
  const semverOf = new Map(versions.map((v) => [v.versionId, v.semver]));
  const seen = new Set<string>();
  for (const v of table.versions) {
    if (!semverOf.has(v.versionId)) {
      throw new AppError('invalid', `routing table for ${service} names version ${v.versionId}, which has no Deployment here`, { versionId: v.versionId });
    }
    if (seen.has(v.versionId)) throw new AppError('invalid', `routing table for ${service} lists version ${v.versionId} twice`, { versionId: v.versionId });
    seen.add(v.versionId);
    if (!Number.isFinite(v.weight) || v.weight < 0) {
      throw new AppError('invalid', `weight ${JSON.stringify(v.weight)} of version ${v.versionId} must be a number ≥ 0`, { versionId: v.versionId });
    }
  }
  if (table.versions.length > MAX_BACKENDS) {
    throw new AppError('invalid', `an HTTPRoute rule holds at most ${MAX_BACKENDS} backends; the table for ${service} has ${table.versions.length} versions`);
  }
  const weights = integerWeights(table.versions.map(effectiveWeight));
  const backendRefs: BackendRef[] = table.versions.map((v, i) => ({
    group: '',
    kind: 'Service',
    name: versionObjectName(service, semverOf.get(v.versionId)!),
    port: SERVICE_PORT,
    weight: weights[i]!,
  }));
  const serving = table.versions.filter((_, i) => weights[i]! > 0);
  if (serving.length === 1) return { stableSelector: versionSelector(service, semverOf.get(serving[0]!.versionId)!), backendRefs };
  if (serving.length === 0) return { stableSelector: { [LABEL.service]: service, [LABEL.version]: NO_VERSION }, backendRefs };
  const split = serving.map((v) => `${semverOf.get(v.versionId)} ${v.weight}`).join(' / ');
  const note = hasGateway
    ? `Requests through the Gateway are split exactly (${split}); requests to the stable Service ${stableName(service)} inside the cluster are split by the ratio of ready pods of each version.`
    : `No Gateway configured: the split ${split} is approximated by the ratio of ready pods of each version behind the stable Service ${stableName(service)} (as without traffic routing); scale the versions to set it.`;
  return { stableSelector: { [LABEL.service]: service }, backendRefs, note };
}

export interface RouteObjectsInput {
  service: string;
  namespace: string;
  table: RoutingTable;
  versions: KnownVersion[];
  gateway?: GatewayRef;
  fence?: number;
}

/** The stable Service (always) and the HTTPRoute (with a Gateway) for a routing table. */
export function routeObjects(input: RouteObjectsInput): { service: Service; route?: HTTPRoute; note?: string } {
  const name = stableName(input.service);
  parseOrThrow(versionInput.shape.namespace, input.namespace, 'kubernetes namespace');
  const gateway = input.gateway ? parseOrThrow(gatewayInput, input.gateway, 'kubernetes gateway') : undefined;
  if (input.table.service !== input.service) {
    throw new AppError('invalid', `routing table is for ${input.table.service}, not ${input.service}`);
  }
  const plan = planRouting(input.service, input.table, input.versions, !!gateway);
  const annotations = { ...fenceAnnotation(input.fence), [ANNOTATION.routes]: JSON.stringify(input.table) };
  const service: Service = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: input.namespace, labels: standardLabels({ service: input.service, component: 'stable', instance: name }), annotations },
    spec: { type: 'ClusterIP', selector: plan.stableSelector, ports: [{ name: PORT_NAME, port: SERVICE_PORT, targetPort: PORT_NAME, protocol: 'TCP' }] },
  };
  if (!gateway) return { service, note: plan.note };
  const parent: HTTPRoute['spec']['parentRefs'][number] = { group: 'gateway.networking.k8s.io', kind: 'Gateway', name: gateway.name };
  if (gateway.namespace) parent.namespace = gateway.namespace;
  if (gateway.sectionName) parent.sectionName = gateway.sectionName;
  const route: HTTPRoute = {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name, namespace: input.namespace, labels: standardLabels({ service: input.service, component: 'route', instance: name }), annotations },
    spec: {
      parentRefs: [parent],
      ...(gateway.hostnames?.length ? { hostnames: gateway.hostnames } : {}),
      rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/' } }], backendRefs: plan.backendRefs }],
    },
  };
  return { service, route, note: plan.note };
}
