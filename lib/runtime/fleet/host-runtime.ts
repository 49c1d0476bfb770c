/**
 * One fleet host's share of a runtime: the instances the control plane placed on this host,
 * as real processes listening on the host's own address (HAProxy at the edge reaches them
 * there; nothing on the host routes). It runs inside the host's agent (agent-main.ts), one per
 * environment scope.
 *
 * Instances survive their agent: each is recorded on disk (process id, port, workload), and an
 * agent restarted after a crash adopts the ones still running — recognised by the instance id
 * in their environment, never by process id alone, which the kernel reuses — so a deployment
 * in flight finds its instances where it left them. An instance that answered its health check
 * once and then died is restarted in place (up to 5 times); one that never became healthy is
 * left exited, for the deployment to judge.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { freePort } from '../../db/embedded';
import { launch, terminate } from '../local/process';
import { localInstanceId } from '../local/local-runtime';
import { StaleFenceError, type CrashRecord, type Fence, type InstanceStatus, type Runtime, type RoutingTable, type VersionTraffic, type Workload } from '../types';

interface Instance {
  id: string;
  slot: number;
  spec: Workload;
  port: number;
  child: ChildProcess | null;
  /** Set for an instance adopted after an agent restart (no child handle: watched by pid). */
  adoptedPid: number | null;
  startedAt: number;
  state: 'running' | 'exited';
  exitCode: number | null;
  exitReason?: string;
  stopping: boolean;
  /** It answered its health check at least once: a later crash is restarted in place. */
  readyOnce: boolean;
  restarts: number;
  logs: string[];
}

interface Record_ {
  id: string;
  slot: number;
  spec: Workload;
  port: number;
  pid: number;
  startedAt: number;
  readyOnce: boolean;
  restarts: number;
}

export interface HostRuntimeOptions {
  /** This scope's folder (instances.json). */
  stateDir: string;
  /** Resolves relative commands (the Flightdeck installation). */
  baseDir: string;
  /** The address instances listen on: the host's address the edge reaches. */
  bindHost: string;
  log?: (m: string) => void;
}

const keyOf = (versionId: string, slot: number) => `${versionId}#${slot}`;
const MAX_RESTARTS = 5;

/** Whether `pid` is alive and is the instance `id` (its environment names it). */
function isInstanceProcess(pid: number, id: string): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0').includes(`FLIGHTDECK_INSTANCE=${id}`);
  } catch {
    return false;
  }
}

export class HostRuntime implements Runtime {
  readonly kind = 'fleet-host';
  private readonly instances = new Map<string, Instance>();
  private readonly fences = new Map<string, number>();
  private readonly crashes: CrashRecord[] = [];
  private crashSeq = 0;
  private readonly watcher: NodeJS.Timeout;
  private readonly file: string;

  constructor(private readonly o: HostRuntimeOptions) {
    mkdirSync(o.stateDir, { recursive: true });
    this.file = path.join(o.stateDir, 'instances.json');
    this.adopt();
    // Adopted instances have no child handle to report their exit: look for them.
    this.watcher = setInterval(() => this.watchAdopted(), 500);
    this.watcher.unref();
  }

  private log(m: string) {
    this.o.log?.(m);
  }

  /** Instances recorded by an earlier life of this agent that still run are this agent's again. */
  private adopt(): void {
    if (!existsSync(this.file)) return;
    let records: Record_[] = [];
    try {
      records = JSON.parse(readFileSync(this.file, 'utf8')) as Record_[];
    } catch {
      records = [];
    }
    for (const r of records) {
      if (!isInstanceProcess(r.pid, r.id)) continue;
      this.instances.set(keyOf(r.spec.versionId, r.slot), {
        id: r.id,
        slot: r.slot,
        spec: r.spec,
        port: r.port,
        child: null,
        adoptedPid: r.pid,
        startedAt: r.startedAt,
        state: 'running',
        exitCode: null,
        stopping: false,
        readyOnce: r.readyOnce,
        restarts: r.restarts,
        logs: ['(adopted after an agent restart: earlier output was not kept)'],
      });
      this.log(`adopted instance ${r.id} (pid ${r.pid}) left running by the previous agent`);
    }
    this.persist();
  }

  private watchAdopted(): void {
    for (const i of this.instances.values()) {
      if (i.adoptedPid !== null && i.state === 'running' && !i.stopping && !isInstanceProcess(i.adoptedPid, i.id)) {
        this.onExit(i, null, 'exited while adopted (exit status unknown)');
      }
    }
  }

  private persist(): void {
    const records: Record_[] = [];
    for (const i of this.instances.values()) {
      const pid = i.child?.pid ?? i.adoptedPid;
      if (i.state === 'running' && pid) records.push({ id: i.id, slot: i.slot, spec: i.spec, port: i.port, pid, startedAt: i.startedAt, readyOnce: i.readyOnce, restarts: i.restarts });
    }
    const tmp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(records));
    renameSync(tmp, this.file);
  }

  private checkFence(f: Fence): void {
    const cur = this.fences.get(f.service) ?? 0;
    if (f.token < cur) throw new StaleFenceError(f, cur);
    this.fences.set(f.service, f.token);
  }

  async scale(fence: Fence, workload: Workload, slots: number[], drainTimeoutMs: number): Promise<void> {
    this.checkFence(fence);
    const wanted = new Set(slots);
    const extra = [...this.instances.values()].filter((i) => i.spec.versionId === workload.versionId && !wanted.has(i.slot));
    await Promise.all(extra.map((i) => this.stop(i, drainTimeoutMs)));
    for (const slot of [...wanted].sort((a, b) => a - b)) {
      const existing = this.instances.get(keyOf(workload.versionId, slot));
      if (existing && existing.state === 'running') continue; // idempotent
      const inst: Instance = existing ?? {
        id: localInstanceId(workload, slot),
        slot,
        spec: workload,
        port: 0,
        child: null,
        adoptedPid: null,
        startedAt: 0,
        state: 'running',
        exitCode: null,
        stopping: false,
        readyOnce: false,
        restarts: 0,
        logs: [],
      };
      inst.spec = workload;
      inst.readyOnce = false;
      this.instances.set(keyOf(workload.versionId, slot), inst);
      await this.spawn(inst);
    }
    this.persist();
  }

  /** Stop every instance of `service` except those kept; the ids stopped. */
  async reconcile(fence: Fence, service: string, keep: Array<{ versionId: string; slot: number }>): Promise<string[]> {
    this.checkFence(fence);
    const kept = new Set(keep.map((k) => keyOf(k.versionId, k.slot)));
    const stale = [...this.instances.values()].filter((i) => i.spec.service === service && !kept.has(keyOf(i.spec.versionId, i.slot)));
    await Promise.all(stale.map((i) => this.stop(i, 5000)));
    if (stale.length) this.log(`reconciled ${service}: stopped ${stale.map((i) => i.id).join(', ')}`);
    this.persist();
    return stale.map((i) => i.id);
  }

  private async spawn(inst: Instance): Promise<void> {
    inst.port = await freePort();
    inst.startedAt = Date.now();
    inst.state = 'running';
    inst.exitCode = null;
    inst.exitReason = undefined;
    inst.stopping = false;
    inst.adoptedPid = null;
    const launched = launch({
      // HOST: where to listen, so the edge (on another machine) reaches the instance.
      workload: { ...inst.spec, env: { ...inst.spec.env, HOST: this.o.bindHost } },
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
    inst.adoptedPid = null;
    if (inst.stopping) return;
    const restart = inst.readyOnce && inst.restarts < MAX_RESTARTS;
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
    if (restart) {
      inst.restarts++;
      void this.spawn(inst).then(() => this.persist());
    } else this.persist();
  }

  private async stop(inst: Instance, killAfterMs: number): Promise<void> {
    inst.stopping = true;
    if (inst.state === 'running') {
      if (inst.child) await terminate(inst.child, killAfterMs);
      else if (inst.adoptedPid !== null) await terminatePid(inst.adoptedPid, inst.id, killAfterMs);
    }
    this.instances.delete(keyOf(inst.spec.versionId, inst.slot));
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
        address: `http://${this.o.bindHost.includes(':') ? `[${this.o.bindHost}]` : this.o.bindHost}:${i.port}`,
        pid: i.child?.pid ?? i.adoptedPid ?? undefined,
        restarts: i.restarts,
      }));
  }

  /** How many instances run here (capacity accounting). */
  running(): number {
    return [...this.instances.values()].filter((i) => i.state === 'running').length;
  }

  private byId(instanceId: string): Instance | undefined {
    for (const i of this.instances.values()) if (i.id === instanceId) return i;
    return undefined;
  }

  async probe(instanceId: string, healthPath: string, timeoutMs: number): Promise<boolean> {
    const inst = this.byId(instanceId);
    if (!inst || inst.state !== 'running') return false;
    try {
      const host = this.o.bindHost.includes(':') ? `[${this.o.bindHost}]` : this.o.bindHost;
      const res = await fetch(`http://${host}:${inst.port}${healthPath}`, { signal: AbortSignal.timeout(timeoutMs) });
      await res.arrayBuffer().catch(() => {});
      const ok = res.status >= 200 && res.status < 300;
      if (ok && !inst.readyOnce) {
        inst.readyOnce = true;
        this.persist();
      }
      return ok;
    } catch {
      return false;
    }
  }

  async logs(instanceId: string, lines = 50): Promise<string[]> {
    return this.byId(instanceId)?.logs.slice(-lines) ?? [];
  }

  async crashesAfter(afterSeq: number): Promise<CrashRecord[]> {
    return this.crashes.filter((c) => c.seq > afterSeq);
  }

  // Nothing routes on a fleet host: HAProxy at the edge does.
  async setRoutes(fence: Fence): Promise<void> {
    this.checkFence(fence);
  }

  async getRoutes(): Promise<RoutingTable | null> {
    return null;
  }

  async traffic(): Promise<Record<string, VersionTraffic>> {
    return {};
  }

  /** Stop every instance (the agent is shutting down on purpose). */
  async close(): Promise<void> {
    clearInterval(this.watcher);
    await Promise.all([...this.instances.values()].map((i) => this.stop(i, 2000)));
    this.persist();
  }
}

/** SIGTERM an adopted process, SIGKILL it after `killAfterMs`; resolves once it is gone. */
async function terminatePid(pid: number, id: string, killAfterMs: number): Promise<void> {
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  const killAt = Date.now() + killAfterMs;
  while (isInstanceProcess(pid, id)) {
    if (Date.now() > killAt) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        return;
      }
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}
