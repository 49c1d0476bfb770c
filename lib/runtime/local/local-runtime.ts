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
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { freePort } from '../../db/embedded';
import {
  StaleFenceError,
  type Fence,
  type InstanceSpec,
  type InstanceStatus,
  type Runtime,
  type RoutingTable,
  type VersionLatency, VersionTraffic,
} from '../types';
import { ServiceRouter } from './router';
import { combinedPrometheusText } from './metrics';

const LOG_LINES = 200;

interface Instance {
  spec: InstanceSpec;
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

export interface CrashRecord {
  seq: number;
  at: number;
  service: string;
  instanceId: string;
  versionId: string;
  exitCode: number | null;
  reason: string;
  restarted: boolean;
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
  log?: (m: string) => void;
}

export class LocalRuntime implements Runtime {
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
    const used = new Set(Object.values(this.ports));
    let p = this.o.routerBasePort ?? 4100;
    while (used.has(p)) p++;
    return p;
  }

  /** Stable address of a service's router. */
  async serviceAddress(service: string): Promise<string> {
    return `http://127.0.0.1:${(await this.router(service)).port}`;
  }

  // ------------------------------------------------------------------ instances

  async start(fence: Fence, specs: InstanceSpec[]): Promise<void> {
    this.checkFence(fence);
    await this.router(fence.service);
    for (const spec of specs) {
      const existing = this.instances.get(spec.id);
      if (existing && existing.state === 'running') continue; // idempotent
      const inst: Instance = existing ?? {
        spec,
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
      this.instances.set(spec.id, inst);
      inst.routable = true; // the orchestrator routes to it only once its probe says ready
      await this.spawnInstance(inst);
    }
  }

  private async spawnInstance(inst: Instance): Promise<void> {
    const { spec } = inst;
    inst.port = await freePort();
    inst.startedAt = Date.now();
    inst.state = 'running';
    inst.exitCode = null;
    inst.exitReason = undefined;
    inst.stopping = false;
    const command = spec.command === 'node' ? process.execPath : spec.command;
    const args = spec.args.map((a) => (a.startsWith('lib/') ? path.join(this.o.baseDir, a) : a));
    const cwd = spec.cwd ? path.resolve(this.o.baseDir, spec.cwd) : this.o.baseDir;
    const env = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: process.env.HOME ?? '/tmp',
      ...spec.env,
      PORT: String(inst.port),
    } as unknown as NodeJS.ProcessEnv;
    let child: ChildProcess;
    try {
      child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (e) {
      this.onExit(inst, null, `could not start ${command}: ${(e as Error).message}`);
      return;
    }
    inst.child = child;
    const capture = (stream: 'out' | 'err') => (b: Buffer) => {
      for (const line of b.toString().split('\n')) {
        if (!line) continue;
        inst.logs.push(`${stream === 'err' ? '! ' : ''}${line}`);
        if (inst.logs.length > LOG_LINES) inst.logs.splice(0, inst.logs.length - LOG_LINES);
      }
    };
    child.stdout!.on('data', capture('out'));
    child.stderr!.on('data', capture('err'));
    child.on('error', (e) => this.onExit(inst, null, `could not start ${command}: ${e.message}`));
    child.on('exit', (code, signal) => {
      const lastErr = [...inst.logs].reverse().find((l) => l.startsWith('! '))?.slice(2);
      this.onExit(inst, code, lastErr ?? (signal ? `killed by ${signal}` : `exited with code ${code}`));
    });
  }

  private onExit(inst: Instance, code: number | null, reason: string): void {
    if (inst.state === 'exited') return;
    inst.state = 'exited';
    inst.exitCode = code;
    inst.exitReason = reason;
    inst.child = null;
    if (inst.stopping) return;
    // Exited on its own: a crash. Restart it in place if it was serving traffic.
    const table = this.tables.get(inst.spec.service);
    const serving = !!table?.backends.some((b) => b.instanceId === inst.spec.id && b.weight > 0);
    const restart = serving && this.o.supervise !== false && inst.restarts < 5;
    this.crashes.push({
      seq: ++this.crashSeq,
      at: Date.now(),
      service: inst.spec.service,
      instanceId: inst.spec.id,
      versionId: inst.spec.versionId,
      exitCode: code,
      reason,
      restarted: restart,
    });
    if (this.crashes.length > 1000) this.crashes.splice(0, this.crashes.length - 1000);
    this.log(`instance ${inst.spec.id} exited (${reason})${restart ? '; restarting' : ''}`);
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
      if (await this.probe(inst.spec.id, inst.spec.healthPath, 500)) return;
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async list(service: string): Promise<InstanceStatus[]> {
    return [...this.instances.values()]
      .filter((i) => i.spec.service === service)
      .map((i) => ({
        id: i.spec.id,
        service: i.spec.service,
        versionId: i.spec.versionId,
        semver: i.spec.semver,
        slot: i.spec.slot,
        startedAt: i.startedAt,
        state: i.state,
        exitCode: i.exitCode,
        exitReason: i.exitReason,
        address: `http://127.0.0.1:${i.port}`,
        pid: i.child?.pid,
        restarts: i.restarts,
      }));
  }

  /** Recent stdout/stderr lines of an instance (stderr lines start with "! "). */
  async logs(instanceId: string, lines = 50): Promise<string[]> {
    return this.instances.get(instanceId)?.logs.slice(-lines) ?? [];
  }

  /** Crashes recorded after `afterSeq`, for the control plane to put on the timeline. */
  async crashesAfter(afterSeq: number): Promise<CrashRecord[]> {
    return this.crashes.filter((c) => c.seq > afterSeq);
  }

  async probe(instanceId: string, healthPath: string, timeoutMs: number): Promise<boolean> {
    const inst = this.instances.get(instanceId);
    if (!inst || inst.state !== 'running') return false;
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

  /** Push the service's table to its router, with each instance's current address. */
  private async applyTable(service: string): Promise<void> {
    const table = this.tables.get(service);
    if (!table) return;
    const router = await this.router(service);
    router.setTable(
      table.backends
        .map((b) => ({ b, inst: this.instances.get(b.instanceId) }))
        .filter(({ inst }) => inst && inst.state === 'running' && inst.routable)
        .map(({ b, inst }) => ({ instanceId: b.instanceId, versionId: b.versionId, url: `http://127.0.0.1:${inst!.port}`, weight: b.weight })),
    );
  }

  async getRoutes(service: string): Promise<RoutingTable | null> {
    return structuredClone(this.tables.get(service) ?? null);
  }

  async drainAndStop(fence: Fence, instanceIds: string[], drainTimeoutMs: number): Promise<void> {
    this.checkFence(fence);
    const service = fence.service;
    // Out of rotation first (if a route step has not already done it), in one swap.
    const table = this.tables.get(service);
    if (table && table.backends.some((b) => instanceIds.includes(b.instanceId))) {
      this.tables.set(service, { ...table, backends: table.backends.filter((b) => !instanceIds.includes(b.instanceId)) });
      await this.applyTable(service);
    }
    const router = await this.router(service);
    await router.drain(instanceIds, drainTimeoutMs);
    await Promise.all(instanceIds.map((id) => this.stopInstance(id, drainTimeoutMs)));
  }

  private async stopInstance(id: string, killAfterMs: number): Promise<void> {
    const inst = this.instances.get(id);
    if (!inst) return;
    inst.stopping = true;
    const child = inst.child;
    if (child && inst.state === 'running') {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
        child.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        child.kill('SIGTERM');
      });
    }
    this.instances.delete(id);
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
    await Promise.all([...this.instances.keys()].map((id) => this.stopInstance(id, 2000)));
    await Promise.all([...this.routers.values()].map((r) => r.close()));
  }
}
