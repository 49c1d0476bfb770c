/**
 * The Runtime runs a service's versions and routes its traffic. The orchestrator only talks to
 * this interface: it never knows whether instances are processes, pods or processes on other
 * hosts.
 *
 * The contract is level-triggered per version:
 *  - `scale` says which instance slots of one version should exist; the runtime starts the
 *    missing ones and drains and stops the others. Calling it twice with the same slots is a
 *    no-op, so a step re-run after a crash is safe.
 *  - `setRoutes` says what share of requests each version gets (optionally only through some of
 *    its slots), in one atomic swap.
 * A slot is a small integer 0..replicas-1 naming one instance of a version; the engine's plans
 * are written in slots. A platform without stable instance names (Kubernetes) keeps the slot
 * set as the version's desired replica count and maps its pods onto it.
 *
 * Every mutating call carries a fence ({service, token}); a runtime refuses a token lower than
 * the highest it has seen for that service, so a worker that lost its lease cannot touch
 * instances or traffic any more.
 */

export interface Fence {
  service: string;
  token: number;
}

/** What runs for one version of a service: the same for every instance of that version. */
export interface Workload {
  service: string;
  versionId: string;
  semver: string;
  /** The deployment asking for these instances; crashes of the instances it starts are recorded on it. */
  deploymentId: string;
  command: string;
  args: string[];
  cwd?: string;
  env: Record<string, string>;
  /** Readiness path probed over HTTP. */
  healthPath: string;
  /** The service's whole health policy, for platforms that probe readiness themselves (a Kubernetes readiness probe). */
  health?: WorkloadHealth;
  /** Container image (Kubernetes runtime). */
  image?: string;
  /** Port the instance listens on, when the platform fixes it (containers); otherwise PORT is given to it. */
  port?: number;
  /** Requests/limits for container platforms, e.g. {requests:{cpu:"100m"}, limits:{memory:"256Mi"}}. */
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  /** Where else its environment comes from on a container platform: ConfigMaps and Secrets, each key a variable. */
  envFrom?: ConfigSource[];
  /** Where instances may run (fleet): the service's host pool, and what losing a host means. */
  placement?: { pool?: string; onHostLoss?: 'pause' | 'replace' };
}

/** A ConfigMap or a Secret whose keys become environment variables of a version's containers. */
export type ConfigSource = { configMap: string } | { secret: string };

export interface WorkloadHealth {
  path: string;
  intervalSeconds: number;
  timeoutSeconds: number;
  healthyThreshold: number;
  unhealthyThreshold: number;
  gracePeriodSeconds: number;
}

/** What a runtime finds before anything is applied: a non-empty `missingConfigKeys` or `problems` refuses the deployment. */
export interface RuntimePreflight {
  /** Required config keys nothing provides (the version's own config, its ConfigMaps and Secrets), sorted. */
  missingConfigKeys: string[];
  /** Anything else that would make the platform refuse the version (no image, a ConfigMap that does not exist…). */
  problems: string[];
  /** Worth knowing, not a refusal (canary weights approximated by replica ratio…). */
  warnings: string[];
}

export interface InstanceStatus {
  id: string;
  service: string;
  versionId: string;
  semver: string;
  slot: number;
  /** The deployment that started this instance. */
  deploymentId: string;
  /** epoch ms at which the instance (process, container) started */
  startedAt: number;
  state: 'running' | 'exited';
  exitCode?: number | null;
  /** Why it exited, when known ("missing required env keys: DB_URL", "OOMKilled"). */
  exitReason?: string;
  /** The platform's own word for why a running instance is not ready (CrashLoopBackOff, ImagePullBackOff…). */
  reason?: string;
  /** Where it listens, when the driver exposes one. */
  address?: string;
  /** OS process id (local driver). */
  pid?: number;
  /** Host the instance runs on (fleet driver), or node (Kubernetes). */
  host?: string;
  /** Times the runtime (or the platform) restarted it after a crash. */
  restarts?: number;
}

/** One version's place in a service's routing table. */
export interface VersionRoute {
  versionId: string;
  /** Relative share of requests for this version; 0 = out of rotation. */
  weight: number;
  /**
   * Only these slots of the version take requests (rolling updates move traffic instance by
   * instance). Absent: every ready instance of the version. The version's weight is split evenly
   * across the instances in rotation.
   */
  slots?: number[];
}

export interface RoutingTable {
  service: string;
  versions: VersionRoute[];
}

export interface VersionTraffic {
  requests: number;
  errors: number;
  /** 5xx only (errors also counts other non-2xx) */
  serverErrors: number;
}

export interface VersionLatency {
  boundsMs: number[];
  counts: number[];
  /** Largest latency seen in the window (caps percentile estimates). */
  maxMs: number;
}

/** An instance that exited on its own, for the control plane to put on its deployment's timeline. */
export interface CrashRecord {
  seq: number;
  at: number;
  service: string;
  instanceId: string;
  versionId: string;
  /** The deployment that started the instance: the crash belongs on its timeline. */
  deploymentId: string;
  exitCode: number | null;
  reason: string;
  restarted: boolean;
}

export interface Runtime {
  /**
   * Make `slots` exactly the instances of `workload`'s version: start the missing ones; take the
   * others out of rotation, let their in-flight requests finish (up to `drainTimeoutMs`), stop
   * them. Idempotent.
   */
  scale(fence: Fence, workload: Workload, slots: number[], drainTimeoutMs: number): Promise<void>;
  /** Every instance of the service, of every version, as observed now. */
  list(service: string): Promise<InstanceStatus[]>;
  /** One readiness probe; false on failure, timeout or an exited instance. */
  probe(instanceId: string, path: string, timeoutMs: number): Promise<boolean>;
  /** Replace the service's routing table in one atomic swap. Setting the same table is a no-op. */
  setRoutes(fence: Fence, table: RoutingTable): Promise<void>;
  getRoutes(service: string): Promise<RoutingTable | null>;
  /** Requests and errors per version id over [fromMs, toMs). */
  traffic(service: string, fromMs: number, toMs: number): Promise<Record<string, VersionTraffic>>;
  /**
   * Latency histograms per version id over [fromMs, toMs): `counts[i]` requests took at most
   * `boundsMs[i]` ms (and more than the previous bound); the last count is over the last bound.
   * Optional: a runtime without it gives canary analysis no latency data (never a pass).
   */
  latency?(service: string, fromMs: number, toMs: number): Promise<Record<string, VersionLatency>>;
  /**
   * Checks, without changing anything, what the platform needs before `workload` may run: the
   * required config keys against everything that provides them, and whatever else it would
   * refuse. Optional: without it the version's own config is all that counts.
   */
  preflight?(workload: Workload, input: { requiredConfigKeys: string[]; strategy: string }): Promise<RuntimePreflight>;
}

/** What a runtime may offer beyond the Runtime interface. */
export interface RuntimeExtras {
  /** Which driver this is ("local", "kubernetes", "fleet", "simulated"), for people. */
  kind?: string;
  serviceAddress?(service: string): Promise<string>;
  logs?(instanceId: string, lines?: number): Promise<string[]>;
  crashesAfter?(afterSeq: number): Promise<CrashRecord[]>;
  prometheusText?(): string;
  metricsText?(): Promise<string>;
  /** How this runtime applies traffic weights when they are not exact (null: exactly as set), for people. */
  trafficNote?(): string | null;
  /**
   * Where the given slots of a new version of `service` would start now (fleet): the pool, a
   * host per slot, and why some could not be placed. For the plan preview; acts on nothing.
   */
  placementPreview?(service: string, placement: Workload['placement'], slots: number[]): Promise<PlacementPreview>;
}

export interface PlacementPreview {
  pool: string;
  hosts: Array<{ slot: number; host: string }>;
  /** Set when some slots have no host (pool empty, every host full, unreachable or draining). */
  problem: string | null;
}

/** A service's traffic over all its versions (what `Runtime.traffic` answers, summed). */
export function totalTraffic(byVersion: Record<string, VersionTraffic>): VersionTraffic {
  const total: VersionTraffic = { requests: 0, errors: 0, serverErrors: 0 };
  for (const t of Object.values(byVersion)) {
    total.requests += t.requests;
    total.errors += t.errors;
    total.serverErrors += t.serverErrors;
  }
  return total;
}

/**
 * The weight each instance takes under `table`: its version's weight split evenly across that
 * version's running instances in rotation. Instances of a version the table names but leaves
 * out (weight 0, or a slot outside `slots`) get 0; instances of versions it does not name are absent.
 */
export function instanceWeights(table: RoutingTable | null, instances: InstanceStatus[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const v of table?.versions ?? []) {
    const mine = instances.filter((i) => i.versionId === v.versionId);
    const members = mine.filter((i) => i.state === 'running' && v.weight > 0 && (v.slots === undefined || v.slots.includes(i.slot)));
    for (const i of mine) out.set(i.id, members.includes(i) ? v.weight / members.length : 0);
  }
  return out;
}

/** True when some version of the table takes requests. */
export function isServing(table: RoutingTable | null): boolean {
  return !!table?.versions.some((v) => v.weight > 0 && (v.slots === undefined || v.slots.length > 0));
}

export class StaleFenceError extends Error {
  constructor(fence: Fence, current: number) {
    super(`fencing token ${fence.token} for ${fence.service} is stale (current ${current})`);
    this.name = 'StaleFenceError';
  }
}

/**
 * The platform under the runtime failed (not the version being deployed): the API server is
 * unreachable, refuses Flightdeck's credentials, rejects an object, a host is lost… The
 * orchestrator pauses the deployment with this reason and changes no traffic; nothing is marked
 * bad for it.
 */
export class RuntimeFault extends Error {
  constructor(
    readonly kind: 'unreachable' | 'unauthorized' | 'forbidden' | 'conflict' | 'invalid' | 'capacity' | 'host_lost' | 'internal',
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'RuntimeFault';
  }
}

export function isRuntimeFault(e: unknown): e is RuntimeFault {
  return e instanceof Error && e.name === 'RuntimeFault' && typeof (e as RuntimeFault).kind === 'string';
}
