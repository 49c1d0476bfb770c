/**
 * A worker claims deployment leases and runs each claimed deployment to its end, heartbeating
 * the lease while it waits. Several Flightdeck processes each run one: FOR UPDATE SKIP LOCKED
 * spreads deployments across them. While it runs, a worker holds its presence (an advisory
 * lock named by its worker id, see WorkerPresence): a deployment whose worker died is taken
 * over by another worker at its next claim, within a poll interval, whatever their ids; a lease
 * claimed without a presence is taken over once it expires unrenewed. Work that is not a
 * deployment (advancing releases, sampling traffic for error budgets) is handed in as ticks by
 * whoever starts the worker, so the orchestrator knows nothing of the use cases above it.
 *
 * The database may go away (PostgreSQL restarting): the worker then says so once, retries
 * quietly with backoff, says so again when it is back, and carries on where it was.
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Clock } from '../clock';
import type { Db } from '../db/client';
import type { Runtime } from '../runtime/types';
import type { EnvironmentTarget } from '../runtime/registry';
import { PgBus } from '../events/bus';
import { isDatabaseUnavailable } from '../errors/unavailable';
import { WORK_CHANNEL } from '../state/work';
import { claimLeases, claimOwnLeases, renewLease, WorkerPresence, type LeaseHandle } from '../state/leases';
import { Orchestrator } from './orchestrator';

/** Longest pause between two attempts while the database is unreachable. */
const MAX_BACKOFF_MS = 5_000;

export interface WorkerOptions {
  db: Db;
  runtime: Runtime;
  /** Each environment's runtime (default: `runtime` for all). */
  runtimeFor?: (env: EnvironmentTarget) => Runtime;
  clock: Clock;
  /** Identifies this process in leases and events. */
  owner?: string;
  databaseUrl?: string;
  maxConcurrent?: number;
  pollMs?: number;
  analysisIntervalSeconds?: number;
  /** On start, reclaim at once the leases held under this same owner id (a restart). */
  resumeOwn?: boolean;
  /** Run after every claim pass (e.g. advance releases wave by wave). */
  onTick?: (now: number) => Promise<void>;
  /** Run every `everyMs` (e.g. copy traffic into error-budget minutes). */
  periodic?: Array<{ name: string; everyMs: number; run: (now: number) => Promise<void> }>;
  log?: (msg: string) => void;
}

export function defaultOwner(): string {
  return `${hostname()}:${process.pid}:${randomBytes(2).toString('hex')}`;
}

export class Worker {
  readonly owner: string;
  readonly orchestrator: Orchestrator;
  private readonly running = new Map<string, Promise<void>>();
  private stopped = false;
  private loopPromise: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  private bus: PgBus | null = null;
  private readonly wakers = new Map<string, () => void>();
  /** Deployments poked while their loop was busy (not sleeping): the next sleep returns at once. */
  private readonly poked = new Set<string>();
  private readonly timers: Array<ReturnType<typeof setInterval>> = [];
  /** A newer claim of a deployment this worker is still running: the run that follows it. */
  private readonly successors = new Map<string, LeaseHandle>();
  private readonly presence: WorkerPresence | null;
  private resumePending: boolean;
  private databaseDown = false;
  private presenceRefused = false;

  constructor(private readonly o: WorkerOptions) {
    this.owner = o.owner ?? defaultOwner();
    this.orchestrator = new Orchestrator({
      db: o.db,
      runtime: o.runtime,
      runtimeFor: o.runtimeFor,
      clock: o.clock,
      analysisIntervalSeconds: o.analysisIntervalSeconds,
      log: o.log,
    });
    this.presence = o.databaseUrl ? new WorkerPresence(o.databaseUrl, this.owner) : null;
    this.resumePending = !!o.resumeOwn;
  }

  private log(msg: string) {
    this.o.log?.(`[worker ${this.owner}] ${msg}`);
  }

  /**
   * A failure of `what`: the database being unreachable is said once per outage (it is not a
   * bug, and the worker retries by itself); anything else is logged in full.
   */
  private failed(what: string, e: unknown): void {
    if (isDatabaseUnavailable(e)) {
      if (!this.databaseDown) this.log(`the database is unreachable (${what}); retrying quietly until it is back`);
      this.databaseDown = true;
      return;
    }
    this.log(`${what} failed: ${(e as Error)?.stack ?? String(e)}`);
  }

  /** The database answered: say so once if it had gone away. */
  private answered(): void {
    if (!this.databaseDown) return;
    this.databaseDown = false;
    this.log('the database is reachable again; carrying on');
  }

  /** This worker's liveness lock; claims wait while another live process holds the same worker id. */
  private async holdPresence(): Promise<boolean> {
    if (!this.presence) return true;
    const held = await this.presence.hold();
    if (!held && !this.presenceRefused) {
      this.log('another live process holds this worker id: claiming nothing until it is gone (give each process its own FLIGHTDECK_WORKER_ID)');
    }
    this.presenceRefused = !held;
    return held;
  }

  async start(): Promise<void> {
    if (this.o.databaseUrl) {
      this.bus = new PgBus(this.o.databaseUrl, [WORK_CHANNEL]);
      this.bus.on(WORK_CHANNEL, (id: unknown) => {
        // A person acted on a deployment (abort, promote…) or new work arrived: react now.
        if (typeof id === 'string') {
          const wake = this.wakers.get(id);
          if (wake) wake();
          else if (this.running.has(id)) this.poked.add(id);
        }
        this.wake?.();
      });
      this.bus.on('error', (e: Error) => this.log(`bus error: ${e.message}`));
      await this.bus.start();
    }
    await this.holdPresence().catch((e: unknown) => this.failed('taking this worker\'s presence lock', e));
    await this.resumeOwn();
    this.loopPromise = this.loop();
    for (const p of this.o.periodic ?? []) {
      const t = setInterval(() => {
        p.run(this.o.clock.now()).then(
          () => this.answered(),
          (e: unknown) => this.failed(p.name, e),
        );
      }, p.everyMs);
      t.unref();
      this.timers.push(t);
    }
  }

  /**
   * Restarted under the same identity: take back our own leases now rather than after they
   * expire (the token still moves on, fencing out the previous incarnation). Only while holding
   * the presence: a previous incarnation still alive keeps its deployments.
   */
  private async resumeOwn(): Promise<void> {
    if (!this.resumePending || (this.presence && !this.presence.held)) return;
    const mine = await claimOwnLeases(this.o.db, this.owner, this.o.clock.now(), { presence: !!this.presence });
    this.resumePending = false;
    for (const h of mine) this.launch(h, 'resumed');
    if (mine.length) this.log(`resumed ${mine.length} deployment(s) this worker was running before it restarted`);
  }

  private launch(h: LeaseHandle, how: 'claimed' | 'resumed' = 'claimed'): void {
    if (this.running.has(h.deploymentId)) {
      // Claimed again while its run goes on (e.g. its lease expired during a long outage): the
      // old run's writes are fenced out, so it stops, and this newer claim carries on after it.
      this.successors.set(h.deploymentId, h);
      return;
    }
    this.log(`${how} deployment ${h.deploymentId} (token ${h.token})`);
    const p = this.run(h, how)
      .catch((e: unknown) => this.failed(`deployment ${h.deploymentId}`, e))
      .finally(() => {
        this.running.delete(h.deploymentId);
        this.poked.delete(h.deploymentId);
        const next = this.successors.get(h.deploymentId);
        this.successors.delete(h.deploymentId);
        if (next && next.token > h.token && !this.stopped) this.launch(next);
        this.wake?.();
      });
    this.running.set(h.deploymentId, p);
  }

  /** Sleep up to `ms`, or less if the deployment is poked (NOTIFY on the work channel). */
  private sleepOrWake(deploymentId: string, ms: number): Promise<void> {
    // A poke that arrived while the step ran (an abort, a rollback) must not wait out the sleep.
    if (this.poked.delete(deploymentId)) return Promise.resolve();
    return new Promise<void>((resolve) => {
      let done = false;
      const finish = () => {
        if (done) return;
        done = true;
        this.wakers.delete(deploymentId);
        resolve();
      };
      this.wakers.set(deploymentId, finish);
      void this.o.clock.sleep(ms).then(finish);
    });
  }

  /** Stop claiming work. `abandon` leaves running deployments to be taken over (crash-like). */
  async stop(opts: { abandon?: boolean } = {}): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    this.wake?.();
    for (const wake of [...this.wakers.values()]) wake();
    await this.bus?.close();
    await this.loopPromise;
    if (!opts.abandon) await Promise.allSettled([...this.running.values()]);
    await this.presence?.release();
  }

  get activeDeployments(): string[] {
    return [...this.running.keys()];
  }

  private async loop(): Promise<void> {
    const pollMs = this.o.pollMs ?? 1000;
    let failures = 0;
    while (!this.stopped) {
      try {
        await this.tickOnce();
        failures = 0;
        this.answered();
      } catch (e) {
        failures++;
        this.failed('claiming work', e);
      }
      if (this.stopped) break;
      const pause = failures === 0 ? pollMs : Math.min(MAX_BACKOFF_MS, pollMs * 2 ** Math.min(failures - 1, 6));
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, pause);
        this.wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
      this.wake = null;
    }
  }

  /** Claim what is claimable and advance releases. Public for tests. */
  async tickOnce(): Promise<void> {
    if (await this.holdPresence()) {
      await this.resumeOwn();
      const free = (this.o.maxConcurrent ?? 16) - this.running.size;
      const claimed = await claimLeases(this.o.db, this.owner, this.o.clock.now(), free, { presence: !!this.presence });
      for (const h of claimed) this.launch(h);
    }
    await this.o.onTick?.(this.o.clock.now());
  }

  private async run(h: LeaseHandle, how: 'claimed' | 'resumed'): Promise<void> {
    const clock = this.o.clock;
    if (h.token > 1) {
      // Someone held this lease before: say who continues, and why, on the timeline.
      await this.orchestrator
        .commit(h, {}, [
          how === 'resumed'
            ? {
                type: 'worker_resumed',
                message: `Worker ${this.owner} restarted and resumed this deployment (fencing token ${h.token})`,
                data: { worker: this.owner, token: h.token },
              }
            : {
                type: 'worker_took_over',
                message: takeoverMessage(this.owner, h),
                data: { worker: this.owner, token: h.token, previousWorker: h.previousOwner ?? null, because: h.because ?? null },
              },
        ])
        .catch((e) => this.failed('recording the takeover', e));
    }
    const beatEvery = (h.ttlSeconds * 1000) / 3;
    let lastBeat = clock.now();
    let failures = 0;
    while (!this.stopped) {
      let r;
      try {
        r = await this.orchestrator.advance(h);
        failures = 0;
        this.answered();
      } catch (e) {
        failures++;
        this.failed(`deployment ${h.deploymentId}: step (attempt ${failures})`, e);
        const cap = isDatabaseUnavailable(e) ? MAX_BACKOFF_MS : 30_000;
        r = { status: 'wait' as const, ms: Math.min(cap, 500 * 2 ** Math.min(failures, 6)) };
      }
      if (r.status === 'done') return;
      if (r.status === 'lost') {
        this.log(`deployment ${h.deploymentId}: lease lost (${r.reason}); stopping`);
        return;
      }
      if (r.status === 'continue') lastBeat = clock.now(); // every commit renews the lease
      if (r.status === 'wait') {
        await this.sleepOrWake(h.deploymentId, Math.min(r.ms, beatEvery));
      }
      if (clock.now() - lastBeat >= beatEvery) {
        let renewed: boolean;
        try {
          renewed = await renewLease(this.o.db, h, clock.now());
        } catch (e) {
          // Unreachable database: try again at the next turn (the lease outlives short outages).
          this.failed(`deployment ${h.deploymentId}: heartbeat`, e);
          continue;
        }
        if (!renewed) {
          this.log(`deployment ${h.deploymentId}: lease taken over; stopping`);
          return;
        }
        lastBeat = clock.now();
      }
    }
  }
}

function takeoverMessage(worker: string, h: LeaseHandle): string {
  const token = `fencing token ${h.token}`;
  if (h.because === 'holder_gone') return `Worker ${worker} took over from worker ${h.previousOwner}, whose process is gone (its database session ended) (${token})`;
  if (h.because === 'unowned') return `Worker ${worker} took over this deployment, which no worker held (${token})`;
  return `Worker ${worker} took over after the previous worker's lease expired (${token})`;
}
