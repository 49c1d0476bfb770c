/**
 * What one environment's fleet runtime knows and does between calls: the last instances each
 * host reported per service, the placement record, instances draining or awaiting a probe, and
 * how the edge is put in line with all that (`sync`, which calls no agent). Calls that change a
 * service's placement take its lock, so a deployment's step and a host's recovery never
 * interleave on one service.
 */
import { RuntimeFault, StaleFenceError, isRuntimeFault, type Fence, type InstanceStatus, type PlacementPreview, type Workload } from '../types';
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

export const fleetId = (local: string, host: string) => `${local}@${host}`;
export const serverName = (slot: number, host: string) => `s${slot}-${host}`;

export function splitId(id: string): { local: string; host: string } | null {
  const at = id.lastIndexOf('@');
  return at > 0 ? { local: id.slice(0, at), host: id.slice(at + 1) } : null;
}

export interface Unverified {
  service: string;
  host: string;
  local: string;
  healthPath: string;
}

export class FleetScope {
  /** Last list of each service's instances per host (kept while a host is unreachable). */
  protected readonly observed = new Map<string, Map<string, InstanceStatus[]>>();
  private readonly observedAt = new Map<string, number>();
  readonly retiring = new Set<string>();
  /** Instances started or kept without the orchestrator's readiness check: out of rotation until a probe answers. */
  readonly unverified = new Map<string, Unverified>();
  private readonly locks = new Map<string, Promise<unknown>>();

  constructor(
    protected readonly fleet: FleetHandle,
    readonly env: string,
    /** The environment's runtime.pool (settings may change: the registry passes it on every use). */
    public envPool: string | null,
  ) {}

  /** Run `work` alone on `service` (queued behind any other placement change of it). */
  withService<T>(service: string, work: () => Promise<T>): Promise<T> {
    const prev = this.locks.get(service) ?? Promise.resolve();
    const next = prev.then(work, work);
    this.locks.set(
      service,
      next.catch(() => {}),
    );
    return next;
  }

  protected key(service: string): string {
    return `${this.env}.${service}`;
  }

  record(c: FleetCore, service: string): ServiceRecord {
    return c.state.service(this.env, service);
  }

  protected checkFence(c: FleetCore, f: Fence): void {
    const rec = this.record(c, f.service);
    if (f.token < rec.fence) throw new StaleFenceError(f, rec.fence);
    if (f.token > rec.fence) {
      rec.fence = f.token;
      c.state.save();
    }
  }

  /** Call an agent; its silence is this host's loss (the deployment pauses), not the version's fault. */
  async onHost<T>(c: FleetCore, host: string, call: (agent: RemoteRuntime) => Promise<T>): Promise<T> {
    try {
      return await call(c.monitor.client(host, this.env));
    } catch (e) {
      if (isRuntimeFault(e) && e.kind === 'unreachable') throw new RuntimeFault('host_lost', `host ${host} did not answer: ${e.message}`, { host });
      throw e;
    }
  }

  /**
   * Ask every host not known to be lost for the service's instances — unless they were asked
   * less than `maxAgeMs` ago (a deployment's loop lists several times a second).
   */
  async observe(c: FleetCore, service: string, maxAgeMs = 0): Promise<Map<string, InstanceStatus[]>> {
    const seen = this.observed.get(service) ?? new Map<string, InstanceStatus[]>();
    if (maxAgeMs > 0 && Date.now() - (this.observedAt.get(service) ?? 0) < maxAgeMs) return seen;
    this.observedAt.set(service, Date.now());
    const hosts = c.monitor.hosts();
    await Promise.all(
      hosts
        .filter((h) => h.reachability !== 'unreachable')
        .map(async (h) => {
          const list = await c.monitor
            .client(h.name, this.env)
            .list(service)
            .catch(() => null);
          // A host that does not answer now is not described by what it said before (an agent
          // restarting, a call it took just before it went): its instances are what the record
          // puts there, said to be unconfirmed, until it answers again (see instancesOf).
          if (list) seen.set(h.name, list);
          else seen.delete(h.name);
        }),
    );
    for (const name of seen.keys()) if (!hosts.some((h) => h.name === name)) seen.delete(name);
    this.observed.set(service, seen);
    return seen;
  }

  /** The service's instances: what reachable hosts report, and what the record puts on lost ones. */
  instancesOf(c: FleetCore, service: string): InstanceStatus[] {
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
          const reason = h.reachability === 'unreachable' ? `host ${h.name} unreachable` : `host ${h.name} is not answering`;
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

  lostHost(c: FleetCore, host: string | undefined): HostView | null {
    const h = host ? c.monitor.host(host) : undefined;
    return h && h.reachability === 'unreachable' ? h : null;
  }

  place(c: FleetCore, service: string, versionId: string, placement: Workload['placement'], slots: number[]): PlacementPreview {
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
    await c.edge.apply(this.key(service), versions);
  }

}
