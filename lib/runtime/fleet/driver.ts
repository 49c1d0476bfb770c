/**
 * The fleet runtime of one environment: a version's slots are placed across the hosts of its
 * pool (placement.ts), each host's agent runs its processes, and the service's stable address
 * is an HAProxy frontend (edge.ts). Instance ids name their host: "<service>-<semver>-<slot>@<host>".
 *
 * Losing a host: the edge takes its instances out of rotation as soon as the heartbeats declare
 * it unreachable, and this runtime never routes to an instance it cannot see. A step that needs
 * an instance on a lost host (keeping it, probing it, routing to it alone) throws
 * RuntimeFault('host_lost') — the deployment pauses with the reason, nothing is marked bad —
 * unless the service asks for lost instances to be replaced (placement.onHostLoss "replace"),
 * in which case they start on other hosts of the pool. A host that returns is reconciled with
 * the placement record: what it should run is (re)started, what it should not is stopped, and
 * what it kept enters rotation only after answering a probe.
 */
import { RuntimeFault, StaleFenceError, type CrashRecord, type Fence, type InstanceStatus, type PlacementPreview, type Runtime, type RuntimeExtras, type RoutingTable, type VersionLatency, type VersionTraffic, type Workload } from '../types';
import { isRuntimeFault } from '../types';
import { localInstanceId } from '../local/local-runtime';
import type { RemoteRuntime } from '../rpc';
import type { DesiredServer, DesiredVersion, Edge } from './edge';
import type { HostMonitor, HostView } from './hosts';
import { effectivePool, placeSlots } from './placement';
import type { FleetState, ServiceRecord } from './state';

export interface FleetCore {
  monitor: HostMonitor;
  edge: Edge;
  state: FleetState;
  log?: (m: string) => void;
}

export interface FleetHandle {
  ready(): Promise<FleetCore>;
}

const fleetId = (local: string, host: string) => `${local}@${host}`;
const serverName = (slot: number, host: string) => `s${slot}-${host}`;

function splitId(id: string): { local: string; host: string } | null {
  const at = id.lastIndexOf('@');
  return at > 0 ? { local: id.slice(0, at), host: id.slice(at + 1) } : null;
}

export class FleetRuntime implements Runtime, RuntimeExtras {
  readonly kind = 'fleet';
  /** Last list of each service's instances per host (kept while a host is unreachable). */
  private readonly observed = new Map<string, Map<string, InstanceStatus[]>>();
  private readonly retiring = new Set<string>();
  /** Instances a returning host kept: out of rotation until a probe answers. */
  private readonly unverified = new Map<string, { service: string; host: string; local: string; healthPath: string }>();
  private readonly crashes: CrashRecord[] = [];
  private crashSeq = 0;
  private readonly crashCursors = new Map<string, { pid: number | null; seq: number }>();

  constructor(
    private readonly fleet: FleetHandle,
    readonly env: string,
    /** The environment's runtime.pool (settings may change: the registry passes it on every use). */
    public envPool: string | null,
  ) {}

  private key(service: string): string {
    return `${this.env}.${service}`;
  }

  private record(c: FleetCore, service: string): ServiceRecord {
    return c.state.service(this.env, service);
  }

  private healthPath(rec: ServiceRecord): string {
    return Object.values(rec.versions)[0]?.workload.healthPath ?? '/';
  }

  private checkFence(c: FleetCore, f: Fence): void {
    const rec = this.record(c, f.service);
    if (f.token < rec.fence) throw new StaleFenceError(f, rec.fence);
    if (f.token > rec.fence) {
      rec.fence = f.token;
      c.state.save();
    }
  }

  /** Call an agent; its silence is this host's loss (the deployment pauses), not the version's fault. */
  private async onHost<T>(c: FleetCore, host: string, call: (agent: RemoteRuntime) => Promise<T>): Promise<T> {
    try {
      return await call(c.monitor.client(host, this.env));
    } catch (e) {
      if (isRuntimeFault(e) && e.kind === 'unreachable') throw new RuntimeFault('host_lost', `host ${host} did not answer: ${e.message}`, { host });
      throw e;
    }
  }

  /** Ask every host not known to be lost for the service's instances. */
  private async observe(c: FleetCore, service: string): Promise<Map<string, InstanceStatus[]>> {
    const seen = this.observed.get(service) ?? new Map<string, InstanceStatus[]>();
    const hosts = c.monitor.hosts();
    await Promise.all(
      hosts
        .filter((h) => h.reachability !== 'unreachable')
        .map(async (h) => {
          const list = await c.monitor
            .client(h.name, this.env)
            .list(service)
            .catch(() => null);
          if (list) seen.set(h.name, list);
        }),
    );
    for (const name of seen.keys()) if (!hosts.some((h) => h.name === name)) seen.delete(name);
    this.observed.set(service, seen);
    return seen;
  }

  /** The service's instances: what reachable hosts report, and what the record puts on lost ones. */
  private instancesOf(c: FleetCore, service: string): InstanceStatus[] {
    const rec = this.record(c, service);
    const seen = this.observed.get(service) ?? new Map<string, InstanceStatus[]>();
    const out: InstanceStatus[] = [];
    for (const h of c.monitor.hosts()) {
      const list = seen.get(h.name);
      if (h.reachability !== 'unreachable' && list) {
        out.push(...list.map((i) => ({ ...i, id: fleetId(i.id, h.name), host: h.name })));
        continue;
      }
      // Lost (or not heard from yet): what the placement record says runs there, as last seen.
      for (const [versionId, vr] of Object.entries(rec.versions)) {
        for (const [slotText, host] of Object.entries(vr.slots)) {
          if (host !== h.name) continue;
          const slot = Number(slotText);
          const last = list?.find((i) => i.versionId === versionId && i.slot === slot);
          const reason = h.reachability === 'unreachable' ? `host ${h.name} unreachable` : `host ${h.name} has not answered yet`;
          out.push({
            ...(last ?? { service, versionId, semver: vr.workload.semver, slot, deploymentId: vr.workload.deploymentId, startedAt: 0, state: 'running' as const }),
            id: fleetId(last?.id ?? localInstanceId(vr.workload, slot), h.name),
            host: h.name,
            reason,
          });
        }
      }
    }
    return out;
  }

  private lostHost(c: FleetCore, host: string | undefined): HostView | null {
    const h = host ? c.monitor.host(host) : undefined;
    return h && h.reachability === 'unreachable' ? h : null;
  }

  async scale(fence: Fence, w: Workload, slots: number[], drainTimeoutMs: number): Promise<void> {
    const c = await this.fleet.ready();
    this.checkFence(c, fence);
    const rec = this.record(c, w.service);
    const vr = (rec.versions[w.versionId] ??= { workload: w, slots: {} });
    vr.workload = w;
    const seen = await this.observe(c, w.service);
    // Instances the record lacks (it was lost or is behind): the record adopts them where they are.
    for (const [host, list] of seen) for (const i of list) if (i.versionId === w.versionId && !vr.slots[i.slot] && !this.lostHost(c, host)) vr.slots[i.slot] = host;
    const wanted = [...new Set(slots)].sort((a, b) => a - b);
    const replace = w.placement?.onHostLoss === 'replace';
    const lost: Array<{ slot: number; host: HostView }> = [];
    const toPlace: number[] = [];
    for (const slot of wanted) {
      const host = vr.slots[slot];
      const gone = this.lostHost(c, host);
      if (host && c.monitor.host(host) && !gone) continue;
      if (gone && !replace) lost.push({ slot, host: gone });
      else toPlace.push(slot);
    }
    if (lost.length) {
      const names = [...new Set(lost.map((l) => l.host.name))];
      throw new RuntimeFault(
        'host_lost',
        `host ${names.join(', ')} unreachable: v${w.semver} instance(s) ${lost.map((l) => fleetId(localInstanceId(w, l.slot), l.host.name)).join(', ')} cannot be kept (the service pauses on host loss; placement.onHostLoss "replace" starts them elsewhere)`,
        { hosts: names, slots: lost.map((l) => l.slot) },
      );
    }
    const preview = this.place(c, w.service, w.versionId, w.placement, toPlace);
    if (preview.problem) throw new RuntimeFault('capacity', `v${w.semver} of ${w.service}: ${preview.problem}`, { pool: preview.pool });
    for (const p of preview.hosts) {
      const before = vr.slots[p.slot];
      if (before) c.log?.(`${this.env}/${w.service}: slot ${p.slot} of v${w.semver} moves from lost host ${before} to ${p.host}`);
      vr.slots[p.slot] = p.host;
    }
    const retiring = Object.keys(vr.slots)
      .map(Number)
      .filter((s) => !wanted.includes(s))
      .map((slot) => ({ slot, host: vr.slots[slot]!, id: fleetId(localInstanceId(w, slot), vr.slots[slot]!) }));
    c.state.save(); // the intent first: a crash from here on leaves the record ahead of the hosts, never behind
    if (retiring.length) {
      for (const r of retiring) this.retiring.add(r.id);
      await this.sync(c, w.service);
      await c.edge.drained(this.key(w.service), retiring.map((r) => ({ name: serverName(r.slot, r.host), versionId: w.versionId })), drainTimeoutMs);
      for (const r of retiring) delete vr.slots[r.slot];
      c.state.save();
    }
    const hosts = new Set([...Object.values(vr.slots), ...retiring.map((r) => r.host)]);
    for (const [host, list] of seen) if (list.some((i) => i.versionId === w.versionId)) hosts.add(host);
    try {
      await Promise.all(
        [...hosts].map(async (host) => {
          if (this.lostHost(c, host) || !c.monitor.host(host)) return; // reconciled when it returns
          const mine = Object.entries(vr.slots)
            .filter(([, h]) => h === host)
            .map(([s]) => Number(s));
          await this.onHost(c, host, (a) => a.scale(fence, w, mine, drainTimeoutMs));
        }),
      );
    } finally {
      for (const r of retiring) this.retiring.delete(r.id);
      if (Object.keys(vr.slots).length === 0) delete rec.versions[w.versionId];
      c.state.save();
      await this.observe(c, w.service);
      await this.sync(c, w.service);
    }
  }

  /** Hosts for new slots of a version (pure placement over what the heartbeats and lists say). */
  private place(c: FleetCore, service: string, versionId: string, placement: Workload['placement'], slots: number[]): PlacementPreview {
    const pool = effectivePool(this.envPool, placement?.pool);
    const inPool = c.monitor.hosts().filter((h) => h.pool === pool);
    const open = inPool.filter((h) => h.reachability === 'ready' && !h.draining);
    const seen = this.observed.get(service) ?? new Map<string, InstanceStatus[]>();
    const rec = this.record(c, service);
    const result = placeSlots(
      slots,
      open.map((h) => {
        const here = (seen.get(h.name) ?? []).filter((i) => i.state === 'running');
        return {
          name: h.name,
          instances: Math.max(h.observed?.instances ?? 0, here.length),
          capacity: h.capacity,
          ofVersion: Object.entries(rec.versions[versionId]?.slots ?? {}).filter(([s, x]) => x === h.name && !slots.includes(Number(s))).length,
          ofService: here.length,
        };
      }),
    );
    let problem: string | null = null;
    if (result.unplaced.length) {
      const why = inPool.length === 0 ? `no host is registered in pool "${pool}"` : `${open.length} of the ${inPool.length} host(s) of pool "${pool}" ready (others unreachable, draining or full)`;
      problem = `no host for slot(s) ${result.unplaced.join(', ')}: ${why}`;
    }
    return { pool, hosts: result.placed, problem };
  }

  async placementPreview(service: string, placement: Workload['placement'], slots: number[]): Promise<PlacementPreview> {
    const c = await this.fleet.ready();
    await this.observe(c, service);
    return this.place(c, service, '(new)', placement, slots);
  }

  async list(service: string): Promise<InstanceStatus[]> {
    const c = await this.fleet.ready();
    await this.observe(c, service);
    return this.instancesOf(c, service);
  }

  async probe(instanceId: string, path: string, timeoutMs: number): Promise<boolean> {
    const c = await this.fleet.ready();
    const at = splitId(instanceId);
    if (!at || !c.monitor.host(at.host)) return false;
    const gone = this.lostHost(c, at.host);
    if (gone) throw new RuntimeFault('host_lost', `host ${at.host} unreachable (${gone.error ?? 'no heartbeat'}): cannot probe ${instanceId}`, { host: at.host });
    return this.onHost(c, at.host, (a) => a.probe(at.local, path, timeoutMs));
  }

  async setRoutes(fence: Fence, table: RoutingTable): Promise<void> {
    const c = await this.fleet.ready();
    this.checkFence(c, fence);
    await this.observe(c, table.service);
    const instances = this.instancesOf(c, table.service);
    for (const v of table.versions) {
      if (v.weight <= 0) continue;
      const members = instances.filter((i) => i.versionId === v.versionId && (v.slots === undefined || v.slots.includes(i.slot)));
      const visible = members.filter((i) => !this.lostHost(c, i.host));
      if (members.length > 0 && visible.length === 0) {
        const hosts = [...new Set(members.map((i) => i.host!))];
        throw new RuntimeFault('host_lost', `every instance this route sends v${members[0]!.semver} requests to is on unreachable host(s) ${hosts.join(', ')}`, { hosts });
      }
    }
    const rec = this.record(c, table.service);
    rec.table = structuredClone(table);
    c.state.save();
    await this.sync(c, table.service);
  }

  async getRoutes(service: string): Promise<RoutingTable | null> {
    const c = await this.fleet.ready();
    return structuredClone(this.record(c, service).table);
  }

  /** Put the edge in line with the table, the instances seen and the hosts' state (no agent call). */
  async sync(c: FleetCore, service: string): Promise<void> {
    const rec = this.record(c, service);
    if (!rec.table) return;
    const instances = this.instancesOf(c, service);
    const versions: DesiredVersion[] = rec.table.versions.map((v) => {
      const servers: DesiredServer[] = [];
      for (const i of instances.filter((x) => x.versionId === v.versionId)) {
        const addr = i.address?.replace(/^https?:\/\//, '');
        if (!addr || !i.host) continue;
        const lost = !!this.lostHost(c, i.host);
        const inRotation = v.weight > 0 && (v.slots === undefined || v.slots.includes(i.slot));
        const state = lost || i.state !== 'running' || this.unverified.has(i.id) ? 'maint' : this.retiring.has(i.id) || !inRotation ? 'drain' : 'ready';
        servers.push({ name: serverName(i.slot, i.host), addr, host: i.host, instanceId: i.id, state, lost });
      }
      return { versionId: v.versionId, weight: v.weight, servers };
    });
    await c.edge.apply(this.key(service), this.healthPath(rec), versions);
  }

  /** A host was declared unreachable: its instances leave rotation now. */
  async hostDown(c: FleetCore): Promise<void> {
    await Promise.all(c.state.services(this.env).map((s) => this.sync(c, s)));
  }

  /** A host answers (again): make it run exactly what the record places on it, then verify before routing. */
  async reconcileHost(c: FleetCore, host: string): Promise<void> {
    const agent = c.monitor.client(host, this.env);
    for (const service of c.state.services(this.env)) {
      const rec = this.record(c, service);
      const fence = { service, token: rec.fence };
      const keep: Array<{ versionId: string; slot: number }> = [];
      for (const [versionId, vr] of Object.entries(rec.versions)) {
        const mine = Object.entries(vr.slots)
          .filter(([, h]) => h === host)
          .map(([s]) => Number(s));
        if (mine.length === 0) continue;
        await agent.scale(fence, vr.workload, mine, 5000);
        for (const slot of mine) {
          keep.push({ versionId, slot });
          const local = localInstanceId(vr.workload, slot);
          if (rec.table) this.unverified.set(fleetId(local, host), { service, host, local, healthPath: vr.workload.healthPath });
        }
      }
      const stopped = await agent.reconcile(fence, service, keep);
      if (stopped.length) c.log?.(`host ${host}: stopped stale ${service} instance(s) ${stopped.join(', ')}`);
    }
    void this.verify(c, host);
  }

  /** Probe what a returning host kept; each enters rotation once it answers (giving up after a minute). */
  private async verify(c: FleetCore, host: string): Promise<void> {
    const until = Date.now() + 60_000;
    while (Date.now() < until) {
      const pending = [...this.unverified].filter(([, u]) => u.host === host);
      if (pending.length === 0) return;
      for (const [id, u] of pending) {
        const ok = await c.monitor
          .client(host, this.env)
          .probe(u.local, u.healthPath, 1000)
          .catch(() => false);
        if (!ok) continue;
        this.unverified.delete(id);
        await this.observe(c, u.service);
        await this.sync(c, u.service).catch((e) => c.log?.(`edge: ${(e as Error).message}`));
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  /** Re-read the hosts and put the edge in line (a periodic safety net: crashes, restarts, moved ports). */
  async resync(c: FleetCore): Promise<void> {
    for (const service of c.state.services(this.env)) {
      if (!this.record(c, service).table) continue;
      await this.observe(c, service);
      await this.sync(c, service);
    }
  }

  async traffic(service: string, fromMs: number, toMs: number): Promise<Record<string, VersionTraffic>> {
    return (await this.fleet.ready()).edge.traffic(this.key(service), fromMs, toMs);
  }

  async latency(service: string, fromMs: number, toMs: number): Promise<Record<string, VersionLatency>> {
    return (await this.fleet.ready()).edge.latency(this.key(service), fromMs, toMs);
  }

  async serviceAddress(service: string): Promise<string> {
    const c = await this.fleet.ready();
    return c.edge.address(this.key(service)) ?? c.edge.ensureFrontend(this.key(service), this.healthPath(this.record(c, service)));
  }

  async logs(instanceId: string, lines?: number): Promise<string[]> {
    const c = await this.fleet.ready();
    const at = splitId(instanceId);
    if (!at || !c.monitor.host(at.host) || this.lostHost(c, at.host)) return [];
    return c.monitor.client(at.host, this.env).logs(at.local, lines);
  }

  /** Crashes on every host, renumbered here (an agent's own numbering restarts with it). */
  async crashesAfter(afterSeq: number): Promise<CrashRecord[]> {
    const c = await this.fleet.ready();
    for (const h of c.monitor.hosts().filter((x) => x.reachability === 'ready')) {
      const cur = this.crashCursors.get(h.name);
      let from = cur && cur.pid === h.pid ? cur.seq : 0;
      const found = await c.monitor
        .client(h.name, this.env)
        .crashesAfter(from)
        .catch(() => [] as CrashRecord[]);
      for (const r of found) {
        this.crashes.push({ ...r, seq: ++this.crashSeq, instanceId: fleetId(r.instanceId, h.name) });
        from = Math.max(from, r.seq);
      }
      this.crashCursors.set(h.name, { pid: h.pid, seq: from });
      for (const service of new Set(found.map((r) => r.service))) await this.observe(c, service).then(() => this.sync(c, service));
    }
    if (this.crashes.length > 1000) this.crashes.splice(0, this.crashes.length - 1000);
    return this.crashes.filter((r) => r.seq > afterSeq);
  }

  /** Latency histograms and request counts per version, as the edge's request log has them. */
  async metricsText(): Promise<string> {
    return (await this.fleet.ready()).edge.prometheusText(`${this.env}.`);
  }
}
