/**
 * The Runtime drives real instances and routes their traffic. The orchestrator only
 * talks to this interface: it never knows whether instances are processes or pods.
 *
 * Every mutating call carries a fence ({service, token}); a runtime rejects a token lower
 * than the highest it has seen for that service, so a deployment worker that lost its lease
 * cannot touch instances or traffic any more.
 */

export interface Fence {
  service: string;
  token: number;
}

export interface InstanceSpec {
  /** Deterministic, so starting the same instance twice is a no-op. */
  id: string;
  service: string;
  versionId: string;
  semver: string;
  slot: number;
  command: string;
  args: string[];
  cwd?: string;
  env: Record<string, string>;
  healthPath: string;
}

export interface InstanceStatus {
  id: string;
  service: string;
  versionId: string;
  semver: string;
  slot: number;
  /** epoch ms at which the instance process started */
  startedAt: number;
  state: 'running' | 'exited';
  exitCode?: number | null;
  /** Why it exited, when known ("missing required env keys: DB_URL"). */
  exitReason?: string;
  /** Where it listens, when the driver exposes one (local driver). */
  address?: string;
  /** OS process id (local driver). */
  pid?: number;
  /** Times the runtime restarted it after a crash. */
  restarts?: number;
}

export interface Backend {
  instanceId: string;
  versionId: string;
  /** Relative weight; requests go to backends in proportion to it. 0 = out of rotation. */
  weight: number;
}

export interface RoutingTable {
  service: string;
  backends: Backend[];
}

export interface VersionTraffic {
  requests: number;
  errors: number;
  /** 5xx only (errors also counts other non-2xx) */
  serverErrors: number;
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

export interface Runtime {
  start(fence: Fence, specs: InstanceSpec[]): Promise<void>;
  list(service: string): Promise<InstanceStatus[]>;
  /** One readiness probe; false on failure, timeout or an exited instance. */
  probe(instanceId: string, path: string, timeoutMs: number): Promise<boolean>;
  /** Replace the service's routing table in one atomic swap. Setting the same table is a no-op. */
  setRoutes(fence: Fence, table: RoutingTable): Promise<void>;
  getRoutes(service: string): Promise<RoutingTable | null>;
  /** Take out of rotation (if still in), let in-flight requests finish, then stop. Idempotent. */
  drainAndStop(fence: Fence, instanceIds: string[], drainTimeoutMs: number): Promise<void>;
  /** Requests and errors per version id over [fromMs, toMs). */
  traffic(service: string, fromMs: number, toMs: number): Promise<Record<string, VersionTraffic>>;
  /**
   * Latency histograms per version id over [fromMs, toMs): `counts[i]` requests took at most
   * `boundsMs[i]` ms (and more than the previous bound); the last count is over the last bound.
   * Optional: a runtime without it gives canary analysis no latency data (never a pass).
   */
  latency?(service: string, fromMs: number, toMs: number): Promise<Record<string, VersionLatency>>;
}

export interface VersionLatency {
  boundsMs: number[];
  counts: number[];
  /** Largest latency seen in the window (caps percentile estimates). */
  maxMs: number;
}

export class StaleFenceError extends Error {
  constructor(fence: Fence, current: number) {
    super(`fencing token ${fence.token} for ${fence.service} is stale (current ${current})`);
    this.name = 'StaleFenceError';
  }
}
