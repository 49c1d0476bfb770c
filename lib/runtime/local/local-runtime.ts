/**
 * The local runtime: instances are real OS processes on this host, each service reached
 * through one stable address served by a ServiceRouter. It runs inside the runtime agent
 * (agent-main.ts), a process of its own, so restarting Flightdeck's control plane drops no
 * request: the control plane talks to it over RPC and re-attaches after a restart.
 *
 * Instances get PORT and their version's config as environment; stdout/stderr are kept
 * (recent lines per instance); stop is SIGTERM, then SIGKILL after the drain timeout. An
 * instance that exits on its own is recorded (exit code, last error line) and, when it was
 * serving, restarted in place by the supervisor.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { freePort } from '../../db/embedded';
import {
  StaleFenceError,
  type CrashRecord,
  type Fence,
  type InstanceStatus,
  type Runtime,
  type RoutingTable,
  type VersionLatency,
  type VersionTraffic,
  type Workload,
} from '../types';
import { ServiceRouter } from './router';
import { launch, terminate } from './process';
import { combinedPrometheusText } from './metrics';

interface Instance {
  id: string;
  slot: number;
  spec: Workload;
  port: number;
  child: ChildProcess | null;
  startedAt: number;
  state: 'running' | 'exited';
  exitCode: number | null;
  exitReason?: string;
  stopping: boolean;
  logs: string[];
  restarts: number;
  /**
   * False while a supervised restart has not yet answered its health path: the router must not
   * send it requests (they would be refused) even though its routing-table entry stays put.
   */
  routable: boolean;
}

/** Instances are keyed by version and slot: at most one instance per slot of a version. */
function keyOf(versionId: string, slot: number): string {
  return `${versionId}#${slot}`;
}

/** A readable, stable name: the same slot of the same version is always the same instance. */
export function localInstanceId(w: Pick<Workload, 'service' | 'semver'>, slot: number): string {
  return `${w.service}-${w.semver}-${slot}`;
}

export interface LocalRuntimeOptions {
  /** Folder for the routers' port assignments (so addresses stay stable across restarts). */
  stateDir: string;
  /** Resolves relative commands and working directories (the repository root). */
  baseDir: string;
  /** First port tried for service routers (default 4100). */
  routerBasePort?: number;
  /** Restart an instance that exits on its own while in rotation (default true). */
  supervise?: boolean;
  /** Router ports taken by other runtimes in this process (one per environment), so none collide. */
  sharedPorts?: Set<number>;
  log?: (m: string) => void;
}

export class LocalRuntime implements Runtime {
  readonly kind = 'local';
  private readonly instances = new Map<string, Instance>();
  private readonly routers = new Map<string, ServiceRouter>();
  private readonly routerStarts = new Map<string, Promise<ServiceRouter>>();
  private readonly fences = new Map<string, number>();
  private readonly tables = new Map<string, RoutingTable>();
  private readonly crashes: CrashRecord[] = [];
  private crashSeq = 0;
  private ports: Record<string, number>;

  constructor(private readonly o: LocalRuntimeOptions) {
    mkdirSync(o.stateDir, { recursive: true });
    const file = path.join(o.stateDir, 'router-ports.json');
    this.ports = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, number>) : {};
    for (const p of Object.values(this.ports)) o.sharedPorts?.add(p);
  }

  private log(m: string) {
    this.o.log?.(m);
  }

  private checkFence(f: Fence): void {
    const cur = this.fences.get(f.service) ?? 0;
    if (f.token < cur) throw new StaleFenceError(f, cur);
    this.fences.set(f.service, f.token);
  }

  // ------------------------------------------------------------------ routers

  /** The service's router, started on its remembered port (or a new free one). */
  async router(service: string): Promise<ServiceRouter> {
    const existing = this.routers.get(service);
    if (existing) return existing;
    let starting = this.routerStarts.get(service);
    if (!starting) {
      starting = (async () => {
        const remembered = this.ports[service];
        let r = new ServiceRouter({ service, port: remembered ?? (await this.nextRouterPort()) });
        try {
          await r.listen();
        } catch {
          r = new ServiceRouter({ service, port: 0 });
          await r.listen();
        }
        this.ports[service] = r.port;
        this.o.sharedPorts?.add(r.port);
        writeFileSync(path.join(this.o.stateDir, 'router-ports.json'), JSON.stringify(this.ports, null, 2));
        this.routers.set(service, r);
        this.log(`router for ${service} on 127.0.0.1:${r.port}`);
        return r;
      })();
      this.routerStarts.set(service, starting);
    }
    return starting;
  }

  private async nextRouterPort(): Promise<number> {
    const used = new Set([...Object.values(this.ports), ...(this.o.sharedPorts ?? [])]);
    let p = this.o.routerBasePort ?? 4100;
    while (used.has(p)) p++;
    return p;
  }

  /** Stable address of a service's router. */
  async serviceAddress(service: string): Promise<string> {
    return `http://127.0.0.1:${(await this.router(service)).port}`;
  }

  // ------------------------------------------------------------------ instances

  async scale(fence: Fence, workload: Workload, slots: number[], drainTimeoutMs: number): Promise<void> {
    this.checkFence(fence);
    await this.router(workload.service);
    const wanted = new Set(slots);
    const extra = [...this.instances.values()].filter((i) => i.spec.versionId === workload.versionId && !wanted.has(i.slot));
    if (extra.length) await this.retire(workload.service, extra, drainTimeoutMs);
    for (const slot of [...wanted].sort((a, b) => a - b)) {
      const key = keyOf(workload.versionId, slot);
      const existing = this.instances.get(key);
      if (existing && existing.state === 'running') continue; // idempotent
      const inst: Instance = existing ?? {
        id: localInstanceId(workload, slot),
        slot,
        spec: workload,
        port: 0,
        child: null,
        startedAt: 0,
        state: 'running',
        exitCode: null,
        stopping: false,
        logs: [],
        restarts: 0,
        routable: true,
      };
      inst.spec = workload;
      this.instances.set(key, inst);
      inst.routable = true; // the orchestrator routes to it only once its probe says ready
      await this.spawnInstance(inst);
    }
  }

  private async spawnInstance(inst: Instance): Promise<void> {
    inst.port = await freePort();
    inst.startedAt = Date.now();
    inst.state = 'running';
    inst.exitCode = null;
    inst.exitReason = undefined;
    inst.stopping = false;
    const launched = launch({
      workload: inst.spec,
      baseDir: this.o.baseDir,
      port: inst.port,
      instanceId: inst.id,
      slot: inst.slot,
      logs: inst.logs,
      onExit: (code, reason) => this.onExit(inst, code, reason),
    });
    inst.child = launched.child;
    if (launched.error) this.onExit(inst, null, launched.error);
  }

  private onExit(inst: Instance, code: number | null, reason: string): void {
    if (inst.state === 'exited') return;
    inst.state = 'exited';
    inst.exitCode = code;
    inst.exitReason = reason;
    inst.child = null;
    if (inst.stopping) return;
    // Exited on its own: a crash. Restart it in place if it was serving traffic.
    const serving = this.inRotation(inst);
    const restart = serving && this.o.supervise !== false && inst.restarts < 5;
    this.crashes.push({
      seq: ++this.crashSeq,
      at: Date.now(),
      service: inst.spec.service,
      instanceId: inst.id,
      versionId: inst.spec.versionId,
      deploymentId: inst.spec.deploymentId,
      exitCode: code,
      reason,
      restarted: restart,
    });
    if (this.crashes.length > 1000) this.crashes.splice(0, this.crashes.length - 1000);
    this.log(`instance ${inst.id} exited (${reason})${restart ? '; restarting' : ''}`);
    // Out of the router at once (its table entry stays, so it returns once it answers again):
    // until then its share of requests goes to the instances still running.
    inst.routable = false;
    void this.applyTable(inst.spec.service);
    if (restart) {
      inst.restarts++;
      void this.spawnInstance(inst)
        .then(() => this.waitListening(inst))
        .then(() => {
          if (inst.state === 'running') inst.routable = true;
          return this.applyTable(inst.spec.service);
        });
    }
  }

  /** Until the instance accepts connections (after a supervised restart), up to 10 s. */
  private async waitListening(inst: Instance): Promise<void> {
    const until = Date.now() + 10_000;
    while (Date.now() < until && inst.state === 'running') {
      if (await this.probeInstance(inst, inst.spec.healthPath, 500)) return;
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async list(service: string): Promise<InstanceStatus[]> {
    return [...this.instances.values()]
      .filter((i) => i.spec.service === service)
      .map((i) => ({
        id: i.id,
        service: i.spec.service,
        versionId: i.spec.versionId,
        semver: i.spec.semver,
        slot: i.slot,
        deploymentId: i.spec.deploymentId,
        startedAt: i.startedAt,
        state: i.state,
        exitCode: i.exitCode,
        exitReason: i.exitReason,
        address: `http://127.0.0.1:${i.port}`,
        pid: i.child?.pid,
        restarts: i.restarts,
      }));
  }

  private byId(instanceId: string): Instance | undefined {
    for (const i of this.instances.values()) if (i.id === instanceId) return i;
    return undefined;
  }

  /** Recent stdout/stderr lines of an instance (stderr lines start with "! "). */
  async logs(instanceId: string, lines = 50): Promise<string[]> {
    return this.byId(instanceId)?.logs.slice(-lines) ?? [];
  }

  /** Crashes recorded after `afterSeq`, for the control plane to put on the timeline. */
  async crashesAfter(afterSeq: number): Promise<CrashRecord[]> {
    return this.crashes.filter((c) => c.seq > afterSeq);
  }

  async probe(instanceId: string, healthPath: string, timeoutMs: number): Promise<boolean> {
    const inst = this.byId(instanceId);
    return inst ? this.probeInstance(inst, healthPath, timeoutMs) : false;
  }

  private async probeInstance(inst: Instance, healthPath: string, timeoutMs: number): Promise<boolean> {
    if (inst.state !== 'running') return false;
    try {
      const res = await fetch(`http://127.0.0.1:${inst.port}${healthPath}`, { signal: AbortSignal.timeout(timeoutMs) });
      await res.arrayBuffer().catch(() => {});
      return res.status >= 200 && res.status < 300;
    } catch {
      return false;
    }
  }

  // ------------------------------------------------------------------ traffic

  async setRoutes(fence: Fence, table: RoutingTable): Promise<void> {
    this.checkFence(fence);
    this.tables.set(table.service, structuredClone(table));
    await this.applyTable(table.service);
  }

  /** Whether the routing table in force sends requests to this instance (when it can take them). */
  private inRotation(inst: Instance): boolean {
    const route = this.tables.get(inst.spec.service)?.versions.find((v) => v.versionId === inst.spec.versionId);
    return !!route && route.weight > 0 && (route.slots === undefined || route.slots.includes(inst.slot));
  }

  /**
   * Push the service's table to its router: each version's weight split evenly across its
   * instances in rotation that can take requests now (running, answering, not being stopped).
   */
  private async applyTable(service: string): Promise<void> {
    const table = this.tables.get(service);
    if (!table) return;
    const router = await this.router(service);
    const backends = [];
    for (const route of table.versions) {
      if (route.weight <= 0) continue;
      const ofVersion = [...this.instances.values()].filter(
        (i) => i.spec.versionId === route.versionId && i.state === 'running' && i.routable && !i.stopping && this.inRotation(i),
      );
      for (const i of ofVersion) {
        backends.push({ instanceId: i.id, versionId: i.spec.versionId, url: `http://127.0.0.1:${i.port}`, weight: route.weight / ofVersion.length });
      }
    }
    router.setTable(backends);
  }

  async getRoutes(service: string): Promise<RoutingTable | null> {
    return structuredClone(this.tables.get(service) ?? null);
  }

  /** Out of rotation first (in one swap), let in-flight requests finish, then stop. */
  private async retire(service: string, insts: Instance[], drainTimeoutMs: number): Promise<void> {
    for (const i of insts) i.stopping = true;
    await this.applyTable(service);
    const router = await this.router(service);
    await router.drain(
      insts.map((i) => i.id),
      drainTimeoutMs,
    );
    await Promise.all(insts.map((i) => this.stopInstance(i, drainTimeoutMs)));
  }

  private async stopInstance(inst: Instance, killAfterMs: number): Promise<void> {
    inst.stopping = true;
    if (inst.child && inst.state === 'running') await terminate(inst.child, killAfterMs);
    this.instances.delete(keyOf(inst.spec.versionId, inst.slot));
  }

  async traffic(service: string, fromMs: number, toMs: number): Promise<Record<string, VersionTraffic>> {
    const router = this.routers.get(service);
    return router ? router.traffic(fromMs, toMs) : {};
  }

  async latency(service: string, fromMs: number, toMs: number): Promise<Record<string, VersionLatency>> {
    const router = this.routers.get(service);
    return router ? router.histograms(fromMs, toMs) : {};
  }

  /** Prometheus text for every service's router. */
  prometheusText(): string {
    return combinedPrometheusText([...this.routers.values()].map((r) => ({ service: r.service, metrics: r.metrics })));
  }

  async close(): Promise<void> {
    await Promise.all([...this.instances.values()].map((i) => this.stopInstance(i, 2000)));
    await Promise.all([...this.routers.values()].map((r) => r.close()));
  }
}
