/**
 * A worker claims deployment leases (unowned or expired) and runs each claimed deployment
 * to its end, heartbeating the lease while it waits. Several Flightdeck processes each run
 * one: FOR UPDATE SKIP LOCKED spreads deployments across them, and a deployment whose
 * worker died is taken over once its lease expires unrenewed. Work that is not a deployment
 * (advancing releases, sampling traffic for error budgets) is handed in as ticks by whoever
 * starts the worker, so the orchestrator knows nothing of the use cases above it.
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Clock } from '../clock';
import type { Db } from '../db/client';
import type { Runtime } from '../runtime/types';
import type { EnvironmentTarget } from '../runtime/registry';
import { PgBus } from '../events/bus';
import { WORK_CHANNEL } from '../state/work';
import { claimLeases, claimOwnLeases, renewLease, type LeaseHandle } from '../state/leases';
import { Orchestrator } from './orchestrator';

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
  }

  private log(msg: string) {
    this.o.log?.(`[worker ${this.owner}] ${msg}`);
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
    if (this.o.resumeOwn) {
      // Restarted under the same identity: take back our own leases now rather than after
      // they expire (the token still moves on, fencing out the previous incarnation).
      const mine = await claimOwnLeases(this.o.db, this.owner, this.o.clock.now());
      for (const h of mine) this.launch(h, 'resumed');
      if (mine.length) this.log(`resumed ${mine.length} deployment(s) this worker was running before it restarted`);
    }
    this.loopPromise = this.loop();
    for (const p of this.o.periodic ?? []) {
      const t = setInterval(() => {
        p.run(this.o.clock.now()).catch((e: unknown) => this.log(`${p.name} failed: ${String(e)}`));
      }, p.everyMs);
      t.unref();
      this.timers.push(t);
    }
  }

  private launch(h: LeaseHandle, how: 'claimed' | 'resumed' = 'claimed'): void {
    if (this.running.has(h.deploymentId)) return;
    this.log(`${how} deployment ${h.deploymentId} (token ${h.token})`);
    const p = this.run(h, how).finally(() => {
      this.running.delete(h.deploymentId);
      this.poked.delete(h.deploymentId);
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
    await this.bus?.close();
    await this.loopPromise;
    if (!opts.abandon) await Promise.allSettled([...this.running.values()]);
  }

  get activeDeployments(): string[] {
    return [...this.running.keys()];
  }

  private async loop(): Promise<void> {
    const pollMs = this.o.pollMs ?? 1000;
    while (!this.stopped) {
      try {
        await this.tickOnce();
      } catch (e) {
        this.log(`tick failed: ${(e as Error).stack ?? e}`);
      }
      if (this.stopped) break;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, pollMs);
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
    const free = (this.o.maxConcurrent ?? 16) - this.running.size;
    const claimed = await claimLeases(this.o.db, this.owner, this.o.clock.now(), free);
    for (const h of claimed) this.launch(h);
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
                message: `Worker ${this.owner} took over after the previous worker's lease expired (fencing token ${h.token})`,
                data: { worker: this.owner, token: h.token },
              },
        ])
        .catch((e) => this.log(`could not record takeover: ${(e as Error).message}`));
    }
    const beatEvery = (h.ttlSeconds * 1000) / 3;
    let lastBeat = clock.now();
    let failures = 0;
    while (!this.stopped) {
      let r;
      try {
        r = await this.orchestrator.advance(h);
        failures = 0;
      } catch (e) {
        failures++;
        this.log(`deployment ${h.deploymentId}: step failed (${failures}), retrying: ${(e as Error).stack ?? e}`);
        r = { status: 'wait' as const, ms: Math.min(30_000, 500 * 2 ** Math.min(failures, 6)) };
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
        if (!(await renewLease(this.o.db, h, clock.now()))) {
          this.log(`deployment ${h.deploymentId}: lease taken over; stopping`);
          return;
        }
        lastBeat = clock.now();
      }
    }
  }
}
