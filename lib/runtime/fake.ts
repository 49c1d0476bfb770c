/**
 * An in-memory Runtime for engine and orchestrator tests. Instances behave as the demo
 * service's version config says (the same keys the real demo service reads):
 *   DEMO_WARMUP_SECONDS  — probes fail until this long after start
 *   DEMO_CRASH_ON_START  — the instance exits at once
 *   DEMO_ERROR_RATE      — share of requests answered with a 500
 *   DEMO_LATENCY_MS      — added latency of every request
 *   DEMO_REQUIRED_ENV    — comma-separated keys; any missing → exits at start naming them
 * Traffic is modelled, not sent: with `setLoad(service, rps)` every routing table in force
 * receives rps × time, split by weight, so metrics follow the clock deterministically.
 * Every effective change (start, stop, route swap) is appended to `log`.
 */
import type { Clock } from '../clock';
import {
  StaleFenceError,
  type Fence,
  type InstanceStatus,
  type Runtime,
  type RoutingTable,
  type VersionLatency,
  type VersionTraffic,
  type Workload,
} from './types';
import { bucketIndex, HISTOGRAM_BUCKETS, LATENCY_BOUNDS_MS } from './local/metrics';

export type FakeAction =
  | { seq: number; at: number; kind: 'start'; instanceId: string; versionId: string; slot: number }
  | { seq: number; at: number; kind: 'stop'; instanceId: string; versionId: string; slot: number }
  | { seq: number; at: number; kind: 'route'; table: RoutingTable }
  | { seq: number; at: number; kind: 'external'; label: string };

interface FakeInstance {
  workload: Workload;
  status: InstanceStatus;
  warmupMs: number;
}

type WithoutSeq<T> = T extends unknown ? Omit<T, 'seq'> : never;

/** Instances of each version a table puts in rotation (all of them when it names no slots). */
export function slotsInRotation(table: RoutingTable, running: Array<{ versionId: string; slot: number }>): Array<{ versionId: string; slot: number }> {
  return table.versions.flatMap((v) =>
    v.weight <= 0 ? [] : running.filter((i) => i.versionId === v.versionId && (v.slots === undefined || v.slots.includes(i.slot))),
  );
}

export class FakeRuntime implements Runtime {
  readonly kind: string = 'simulated';
  readonly log: FakeAction[] = [];
  private instances = new Map<string, FakeInstance>();
  /** Each version's behaviour, kept after its instances stop: traffic it served in the past still erred at its rate. */
  private readonly behaviour = new Map<string, { errorRate: number; latencyMs: number }>();
  private routes = new Map<string, Array<{ at: number; table: RoutingTable }>>();
  private load = new Map<string, number>();
  private fences = new Map<string, number>();
  private seq = 0;
  /** Extra probe failures injected by tests: instanceId → until (epoch ms). */
  readonly failProbesUntil = new Map<string, number>();
  /** Platform faults injected by tests: every call of the method throws this until removed. */
  readonly faults = new Map<'scale' | 'setRoutes' | 'list', Error>();

  private fault(method: 'scale' | 'setRoutes' | 'list'): void {
    const e = this.faults.get(method);
    if (e) throw e;
  }

  constructor(private readonly clock: Clock) {}

  /** Record something that happened outside the runtime (a hook ran) in the same order. */
  mark(label: string): void {
    this.push({ at: this.clock.now(), kind: 'external', label });
  }

  setLoad(service: string, rps: number): void {
    this.load.set(service, rps);
  }

  private push(a: WithoutSeq<FakeAction>): void {
    this.log.push({ ...a, seq: ++this.seq } as FakeAction);
  }

  private checkFence(f: Fence): void {
    const cur = this.fences.get(f.service) ?? 0;
    if (f.token < cur) throw new StaleFenceError(f, cur);
    this.fences.set(f.service, f.token);
  }

  private key(versionId: string, slot: number): string {
    return `${versionId}#${slot}`;
  }

  async scale(fence: Fence, workload: Workload, slots: number[]): Promise<void> {
    this.fault('scale');
    this.checkFence(fence);
    const now = this.clock.now();
    const wanted = new Set(slots);
    for (const [key, i] of [...this.instances]) {
      if (i.workload.versionId !== workload.versionId || wanted.has(i.status.slot)) continue;
      this.instances.delete(key);
      this.push({ at: now, kind: 'stop', instanceId: i.status.id, versionId: workload.versionId, slot: i.status.slot });
    }
    for (const slot of [...wanted].sort((a, b) => a - b)) {
      const existing = this.instances.get(this.key(workload.versionId, slot));
      if (existing && existing.status.state === 'running') continue; // idempotent
      const env = workload.env;
      const required = (env.DEMO_REQUIRED_ENV ?? '').split(',').map((s) => s.trim()).filter(Boolean);
      const missing = required.filter((k) => !env[k]);
      const crash = env.DEMO_CRASH_ON_START === '1' || env.DEMO_CRASH_ON_START === 'true';
      const id = `${workload.service}-${workload.semver}-${slot}`;
      const status: InstanceStatus = {
        id,
        service: workload.service,
        versionId: workload.versionId,
        semver: workload.semver,
        slot,
        deploymentId: workload.deploymentId,
        startedAt: now,
        state: 'running',
      };
      if (missing.length) Object.assign(status, { state: 'exited', exitCode: 78, exitReason: `missing required env keys: ${missing.join(', ')}` });
      else if (crash) Object.assign(status, { state: 'exited', exitCode: 1, exitReason: 'crashed on start (DEMO_CRASH_ON_START)' });
      this.behaviour.set(workload.versionId, { errorRate: Number(env.DEMO_ERROR_RATE ?? 0), latencyMs: Number(env.DEMO_LATENCY_MS ?? 0) });
      this.instances.set(this.key(workload.versionId, slot), { workload, status, warmupMs: Number(env.DEMO_WARMUP_SECONDS ?? 0) * 1000 });
      this.push({ at: now, kind: 'start', instanceId: id, versionId: workload.versionId, slot });
    }
  }

  async list(service: string): Promise<InstanceStatus[]> {
    this.fault('list');
    return [...this.instances.values()].filter((i) => i.workload.service === service).map((i) => ({ ...i.status }));
  }

  private byId(instanceId: string): FakeInstance | undefined {
    return [...this.instances.values()].find((i) => i.status.id === instanceId);
  }

  async probe(instanceId: string): Promise<boolean> {
    const i = this.byId(instanceId);
    if (!i || i.status.state !== 'running') return false;
    const now = this.clock.now();
    if ((this.failProbesUntil.get(instanceId) ?? 0) > now) return false;
    return now >= i.status.startedAt + i.warmupMs;
  }

  /** Test helper: the instance dies now. */
  crash(instanceId: string): void {
    const i = this.byId(instanceId);
    if (i) Object.assign(i.status, { state: 'exited', exitCode: 137, exitReason: 'killed' });
  }

  async setRoutes(fence: Fence, table: RoutingTable): Promise<void> {
    this.fault('setRoutes');
    this.checkFence(fence);
    const history = this.routes.get(table.service) ?? [];
    const current = history.at(-1)?.table;
    if (current && JSON.stringify(current.versions) === JSON.stringify(table.versions)) return;
    const entry = { at: this.clock.now(), table: structuredClone(table) };
    history.push(entry);
    this.routes.set(table.service, history);
    this.push({ at: entry.at, kind: 'route', table: entry.table });
  }

  async getRoutes(service: string): Promise<RoutingTable | null> {
    return structuredClone(this.routes.get(service)?.at(-1)?.table ?? null);
  }

  routeHistory(service: string): Array<{ at: number; table: RoutingTable }> {
    return structuredClone(this.routes.get(service) ?? []);
  }

  /** The version a request starting at `at` reaches: it sees one routing table, whole. */
  versionFor(service: string, at: number, pick: number): string | null {
    const history = this.routes.get(service) ?? [];
    const entry = [...history].reverse().find((h) => h.at <= at);
    if (!entry) return null;
    const live = entry.table.versions.filter((v) => v.weight > 0);
    const total = live.reduce((s, v) => s + v.weight, 0);
    let x = pick * total;
    for (const v of live) {
      x -= v.weight;
      if (x < 0) return v.versionId;
    }
    return live.at(-1)?.versionId ?? null;
  }

  async traffic(service: string, fromMs: number, toMs: number): Promise<Record<string, VersionTraffic>> {
    const rps = this.load.get(service) ?? 0;
    const history = this.routes.get(service) ?? [];
    const out: Record<string, VersionTraffic> = {};
    history.forEach((h, i) => {
      const start = Math.max(h.at, fromMs);
      const end = Math.min(history[i + 1]?.at ?? toMs, toMs);
      if (end <= start) return;
      const live = h.table.versions.filter((v) => v.weight > 0 && (v.slots === undefined || v.slots.length > 0));
      const total = live.reduce((s, v) => s + v.weight, 0);
      if (total <= 0) return;
      for (const v of live) {
        const requests = Math.floor((rps * (end - start) * v.weight) / total / 1000);
        const errors = Math.round(requests * (this.behaviour.get(v.versionId)?.errorRate ?? 0));
        const t = (out[v.versionId] ??= { requests: 0, errors: 0, serverErrors: 0 });
        t.requests += requests;
        t.errors += errors;
        t.serverErrors += errors;
      }
    });
    return out;
  }

  /** Every modelled request takes 1 ms plus the version's DEMO_LATENCY_MS. */
  async latency(service: string, fromMs: number, toMs: number): Promise<Record<string, VersionLatency>> {
    const traffic = await this.traffic(service, fromMs, toMs);
    const out: Record<string, VersionLatency> = {};
    for (const [versionId, t] of Object.entries(traffic)) {
      const ms = 1 + (this.behaviour.get(versionId)?.latencyMs ?? 0);
      const counts = new Array<number>(HISTOGRAM_BUCKETS).fill(0);
      counts[bucketIndex(ms)] = t.requests;
      out[versionId] = { boundsMs: [...LATENCY_BOUNDS_MS], counts, maxMs: ms };
    }
    return out;
  }
}
