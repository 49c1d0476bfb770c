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
import { RuntimeFault, type CrashRecord, type Fence, type InstanceStatus, type PlacementPreview, type Runtime, type RuntimeExtras, type RoutingTable, type VersionLatency, type VersionTraffic, type Workload } from '../types';
import { localInstanceId } from '../local/local-runtime';
import type { HostView } from './hosts';
import { hostDown, reconcileHost, verify } from './recovery';
import { FleetScope, fleetId, serverName, splitId, type FleetCore } from './scope';

export type { FleetCore, FleetHandle } from './scope';

export class FleetRuntime extends FleetScope implements Runtime, RuntimeExtras {
  readonly kind = 'fleet';
  private readonly crashes: CrashRecord[] = [];
  private crashSeq = 0;
  private readonly crashCursors = new Map<string, { pid: number | null; seq: number }>();

  async scale(fence: Fence, w: Workload, slots: number[], drainTimeoutMs: number): Promise<void> {
    const c = await this.fleet.ready();
    this.checkFence(c, fence);
    await this.withService(w.service, () => this.scaleNow(c, fence, w, slots, drainTimeoutMs));
  }

  private async scaleNow(c: FleetCore, fence: Fence, w: Workload, slots: number[], drainTimeoutMs: number): Promise<void> {
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
    const moved = new Set<string>();
    for (const p of preview.hosts) {
      const before = vr.slots[p.slot];
      if (before) {
        // A replacement nobody asked the orchestrator to check: routed only once it answers.
        c.log?.(`${this.env}/${w.service}: slot ${p.slot} of v${w.semver} moves from lost host ${before} to ${p.host}`);
        this.unverified.set(fleetId(localInstanceId(w, p.slot), p.host), { service: w.service, host: p.host, local: localInstanceId(w, p.slot), healthPath: w.healthPath });
        moved.add(p.host);
      }
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
    for (const host of moved) void verify(this, c, host);
  }

  /** Hosts for new slots of a version (pure placement over what the heartbeats and lists say). */
  async placementPreview(service: string, placement: Workload['placement'], slots: number[]): Promise<PlacementPreview> {
    const c = await this.fleet.ready();
    await this.observe(c, service);
    return this.place(c, service, '(new)', placement, slots);
  }

  async list(service: string): Promise<InstanceStatus[]> {
    const c = await this.fleet.ready();
    await this.observe(c, service, 150);
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
    await this.withService(table.service, () => this.routeNow(c, table));
  }

  private async routeNow(c: FleetCore, table: RoutingTable): Promise<void> {
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

  /** A host was declared unreachable: its instances leave rotation now; lost instances of services that ask for it start elsewhere. */
  async hostDown(c: FleetCore, host: string): Promise<void> {
    await hostDown(this, c, host);
  }

  /** A host answers: reconcile it with the record; after a loss or an agent restart, probe before routing. */
  async reconcileHost(c: FleetCore, host: string, verifyFirst: boolean): Promise<void> {
    await reconcileHost(this, c, host, verifyFirst);
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
    return c.edge.address(this.key(service)) ?? c.edge.ensureFrontend(this.key(service));
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
