/**
 * The fleet: what every environment's fleet runtime shares in one control plane — the edge
 * (one HAProxy), the hosts and their heartbeats, the placement record — started on first use,
 * so a control plane whose environments all run elsewhere never starts HAProxy.
 *
 *   const fleet = new Fleet({ dir, directory });
 *   const runtime = fleet.runtimeFor({ name: 'production', runtime: { pool: 'prod' } });
 */
import path from 'node:path';
import type { EnvironmentTarget } from '../registry';
import { Edge, type EdgeOptions } from './edge';
import { FleetRuntime } from './driver';
import type { FleetCore } from './scope';
import { HostMonitor, type HostView } from './hosts';
import { FleetState } from './state';
import type { HostDirectory } from './types';

export interface FleetOptions {
  /** The fleet's folder (placement record, the edge's files): <data dir>/fleet. */
  dir: string;
  directory: HostDirectory;
  edge?: Omit<EdgeOptions, 'dir' | 'log'>;
  /** Time between two heartbeats of a host (default 250 ms). */
  heartbeatMs?: number;
  /** A host silent this long is unreachable (default 2000 ms). */
  downAfterMs?: number;
  /** Re-read every host and put the edge in line this often (default 5000 ms). */
  resyncMs?: number;
  log?: (m: string) => void;
}

function poolOf(env: EnvironmentTarget): string | null {
  const r = env.runtime;
  return r && typeof r === 'object' && typeof (r as { pool?: unknown }).pool === 'string' ? (r as { pool: string }).pool : null;
}

export class Fleet {
  private started: Promise<FleetCore> | null = null;
  private core: FleetCore | null = null;
  private readonly runtimes = new Map<string, FleetRuntime>();
  private resyncTimer: NodeJS.Timeout | null = null;
  /**
   * Hosts declared lost (for people and benchmarks): `at` is when the host was declared lost
   * and its servers were out of HAProxy's rotation — from then on no new request goes to it;
   * `declaredAt` when the heartbeats gave up on it; how long it had been silent then.
   */
  readonly detections: Array<{ host: string; at: number; declaredAt: number; silentForMs: number }> = [];

  constructor(private readonly o: FleetOptions) {}

  ready(): Promise<FleetCore> {
    return (this.started ??= this.start());
  }

  private async start(): Promise<FleetCore> {
    const log = this.o.log;
    const state = new FleetState(path.join(this.o.dir, 'state.json'));
    for (const env of state.environments()) this.runtime(env);
    const edge = await Edge.open({ dir: path.join(this.o.dir, 'edge'), ...this.o.edge, log });
    const core: FleetCore = { state, edge, monitor: null as unknown as HostMonitor, log };
    core.monitor = new HostMonitor({
      directory: this.o.directory,
      heartbeatMs: this.o.heartbeatMs ?? 250,
      downAfterMs: this.o.downAfterMs ?? 2000,
      onDown: (h, silent) => this.onDown(core, h, silent),
      onUp: (h, why) => this.onUp(core, h, why),
      log,
    });
    await core.monitor.start();
    this.core = core;
    this.resyncTimer = setInterval(() => {
      for (const r of this.runtimes.values()) void r.resync(core).catch((e) => log?.(`fleet resync: ${(e as Error).message}`));
    }, this.o.resyncMs ?? 5000);
    return core;
  }

  private runtime(env: string): FleetRuntime {
    let r = this.runtimes.get(env);
    if (!r) this.runtimes.set(env, (r = new FleetRuntime(this, env, null)));
    return r;
  }

  /** The fleet runtime of an environment (its runtime.pool settles where its services run). */
  runtimeFor(env: EnvironmentTarget): FleetRuntime {
    const r = this.runtime(env.name);
    r.envPool = poolOf(env);
    return r;
  }

  private async onDown(core: FleetCore, host: HostView, silentForMs: number): Promise<void> {
    const declaredAt = Date.now();
    // Out of rotation first, in one call that waits for nothing else; then the services catch up.
    await core.edge.hostLost(host.name).catch((e) => core.log?.(`edge: taking ${host.name} out of rotation: ${(e as Error).message}`));
    this.detections.push({ host: host.name, at: Date.now(), declaredAt, silentForMs });
    await Promise.all([...this.runtimes.values()].map((r) => r.hostDown(core, host.name)));
  }

  private async onUp(core: FleetCore, host: HostView, why: 'first' | 'returned' | 'restarted'): Promise<void> {
    core.edge.hostBack(host.name);
    for (const env of core.state.environments()) this.runtime(env);
    for (const r of this.runtimes.values()) await r.reconcileHost(core, host.name, why !== 'first');
    // Declared lost again while it was being reconciled: the heartbeats now call it ready all the same.
    core.edge.hostBack(host.name);
  }

  /** Hosts as the heartbeats see them now (null before the fleet started). */
  hosts(): HostView[] | null {
    return this.core?.monitor.hosts() ?? null;
  }

  /** The edge (null before the fleet started). */
  edge(): Edge | null {
    return this.core?.edge ?? null;
  }

  /** Stop heartbeats and the edge's listeners; with `stopEdge`, HAProxy too. */
  async close(opts: { stopEdge?: boolean } = {}): Promise<void> {
    if (this.resyncTimer) clearInterval(this.resyncTimer);
    const core = this.started ? await this.started.catch(() => null) : null;
    core?.monitor.close();
    await core?.edge.close({ stop: opts.stopEdge });
  }
}

/**
 * The edge and heartbeat settings from the environment:
 *   FLIGHTDECK_EDGE_BIND (127.0.0.1; 0.0.0.0 for every interface), FLIGHTDECK_EDGE_ADDRESS (what
 *   clients use; default the bind address), FLIGHTDECK_EDGE_BASE_PORT (4300),
 *   FLIGHTDECK_HOST_DOWN_AFTER_MS (2000: a host silent this long is unreachable).
 */
export function fleetSettings(env: Record<string, string | undefined>): Pick<FleetOptions, 'edge' | 'downAfterMs'> {
  const num = (v: string | undefined) => (v && Number.isFinite(Number(v)) ? Number(v) : undefined);
  return {
    edge: { bind: env.FLIGHTDECK_EDGE_BIND, advertise: env.FLIGHTDECK_EDGE_ADDRESS, basePort: num(env.FLIGHTDECK_EDGE_BASE_PORT) },
    downAfterMs: num(env.FLIGHTDECK_HOST_DOWN_AFTER_MS),
  };
}

/** Whether an environment's settings ask for the fleet runtime. */
export function wantsFleet(env: EnvironmentTarget): boolean {
  const r = env.runtime;
  return !!r && typeof r === 'object' && (r as { driver?: unknown }).driver === 'fleet';
}
