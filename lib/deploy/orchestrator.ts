/**
 * The loop that drives one deployment, one step per call to `advance()`. Level-triggered:
 * each call reads what is (the deployment row, the runtime's instances), lets the executor of
 * the current step act idempotently, and commits what it reports — the transition and its
 * events in ONE transaction guarded by the lease's fencing token — before any side effect.
 * A plan runs forward; a failure or an abort switches to the revert's own steps, run by the
 * same executors. Re-running a step after a crash is safe; time comes from the injected clock.
 */
import { isAppError } from '../errors/app-error';
import type { Clock } from '../clock';
import type { Db, Prisma } from '../db/client';
import { appendEvents, type NewEvent, type Tx } from '../events/append';
import { DEFAULTS, describeSteps, type Step } from '../engine';
import { isRuntimeFault, type Runtime, type RuntimeExtras, type RuntimeFault } from '../runtime/types';
import type { EnvironmentTarget } from '../runtime/registry';
import { withProgress, toJson, type AsRollback, type Revert } from '../state/deployment-state';
import { fence, releaseLease, type LeaseHandle } from '../state/leases';
import { appendCrashes, crashesOf } from './crash-watcher';
import { loadDeployment, type LoadedDeployment, type Outcome, type Recorded, type StepContext, type TxWork } from './context';
import { reverted, succeeded, type Ending } from './finish';
import { ProbeTracker } from './probes';
import { revertFromHere, revertMessage } from './revert';
import { execute } from './steps';
import { cleanUpWindow, warmAtBegin, warmAtSuccess } from './warm';

export type AdvanceResult = { status: 'continue' } | { status: 'wait'; ms: number } | { status: 'done' } | { status: 'lost'; reason: string };

export interface OrchestratorOptions {
  db: Db;
  /** The runtime of every environment, unless `runtimeFor` names another for an environment. */
  runtime: Runtime;
  runtimeFor?: (env: EnvironmentTarget) => Runtime;
  clock: Clock;
  /** Seconds between two canary evaluations (default 10). */
  analysisIntervalSeconds?: number;
  drainTimeoutMs?: number;
  log?: (msg: string) => void;
}

const SYSTEM = 'flightdeck';
const CONTINUE: AdvanceResult = { status: 'continue' };

export class Orchestrator {
  private readonly probes = new ProbeTracker();

  constructor(private readonly o: OrchestratorOptions) {}

  /**
   * One transition: prove the lease, update the deployment, append its events — one transaction.
   * `before` appends what must precede the transition's own events (another actor's).
   */
  async commit(h: LeaseHandle, patch: Prisma.DeploymentUpdateInput, events: NewEvent[], actor = SYSTEM, extra?: TxWork, before?: TxWork): Promise<void> {
    const now = this.o.clock.now();
    await this.o.db.$transaction(async (tx) => {
      await fence(tx, h, now);
      await tx.deployment.update({ where: { id: h.deploymentId }, data: { ...patch, updatedAt: new Date(now) } });
      if (before) await before(tx);
      await appendEvents(tx, h.deploymentId, events, actor, new Date(now));
      if (extra) await extra(tx);
    });
  }

  /** Advance the deployment held by `h` by at most one step. */
  async advance(h: LeaseHandle): Promise<AdvanceResult> {
    try {
      const r = await this.tick(h);
      if (r.status === 'done') this.probes.forget(h.deploymentId);
      return r;
    } catch (e) {
      if ((isAppError(e) && e.code === 'stale_lease') || (e instanceof Error && e.name === 'StaleFenceError')) return { status: 'lost', reason: (e as Error).message };
      throw e;
    }
  }

  private async tick(h: LeaseHandle): Promise<AdvanceResult> {
    const d = await loadDeployment(this.o.db, h.deploymentId);
    // A lease that is no deployment's belongs to an ended warm window: stop its instances, release it.
    if (!d) return { status: await cleanUpWindow(this.o.db, (env) => this.o.runtimeFor?.(env) ?? this.o.runtime, h, () => this.o.clock.now(), this.drainMs()) };
    if (d.state === 'succeeded' || d.state === 'failed' || d.state === 'aborted') {
      await this.o.db.$transaction((tx) => releaseLease(tx, h));
      return { status: 'done' };
    }
    if (d.state === 'queued') return this.begin(h, d);
    // A requested abort turns into a revert, whether running or paused.
    if (d.control.abort && !d.progress.revert) {
      const { reason, markBad, actor, rollback } = d.control.abort;
      return this.revert(h, d, { kind: 'fail', reason, markBad, events: [], actor }, 'aborted', rollback);
    }
    const rv = d.progress.revert;
    if (!rv && d.state === 'paused') return { status: 'wait', ms: 1000 };
    const steps = rv ? rv.steps : d.plan.steps;
    const index = rv ? rv.cursor : d.cursor;
    if (index >= steps.length) return this.end(h, d, rv ? reverted(d, rv, new Date(this.o.clock.now())) : await this.succeededWithWarm(h, d));
    const ctx = this.context(h, d, rv ? 'revert' : 'forward', steps, index);
    let outcome: Outcome;
    try {
      outcome = await execute(steps[index]!, ctx);
    } catch (e) {
      if (!isRuntimeFault(e)) throw e;
      outcome = faulted(ctx, e);
    }
    return this.apply(h, ctx, outcome);
  }

  private context(h: LeaseHandle, d: LoadedDeployment, direction: StepContext['direction'], steps: Step[], index: number): StepContext {
    const text = describeSteps(d.plan, steps)[index]!.text;
    return {
      d,
      direction,
      index,
      phase: direction === 'forward' ? text : `reverting: ${text}`,
      now: this.o.clock.now(),
      lease: h,
      fence: { service: d.service.name, token: h.token },
      runtime: this.runtimeOf(d),
      probes: this.probes,
      drainTimeoutMs: this.drainMs(),
      analysisIntervalMs: (this.o.analysisIntervalSeconds ?? DEFAULTS.analysisIntervalSeconds) * 1000,
    };
  }

  private drainMs(): number {
    return this.o.drainTimeoutMs ?? DEFAULTS.drainSeconds * 1000;
  }

  private runtimeOf(d: LoadedDeployment): Runtime {
    return this.o.runtimeFor?.(d.environment) ?? this.o.runtime;
  }

  private async begin(h: LeaseHandle, d: LoadedDeployment): Promise<AdvanceResult> {
    const from = d.fromVersion ? `v${d.fromVersion.semver}` : 'nothing';
    // A rollback to a version still warm takes its instances over: nothing starts for them.
    const warm = warmAtBegin(d);
    await this.commit(h, { state: 'running', startedAt: new Date(this.o.clock.now()), phase: 'starting' }, [
      {
        type: 'deployment_started',
        message: `${d.kind === 'rollback' ? 'Rolling back' : 'Deploying'} ${d.service.name} in ${d.environment.name} ${from} → v${d.toVersion.semver} (${d.plan.strategy}, ${d.plan.steps.length} steps)`,
        data: { strategy: d.plan.strategy, from: d.fromVersion?.semver ?? null, to: d.toVersion.semver, environment: d.environment.name, worker: h.owner, token: h.token },
      },
      ...warm,
    ]);
    return CONTINUE;
  }

  /** Commit what the step reported, moving the forward or the revert cursor as the outcome says. */
  private async apply(h: LeaseHandle, ctx: StepContext, o: Outcome): Promise<AdvanceResult> {
    const { d } = ctx;
    const forward = ctx.direction === 'forward';
    const phase = forward ? ctx.phase : d.phase;
    switch (o.kind) {
      case 'wait':
        if (forward && d.phase !== ctx.phase) await this.commit(h, { phase }, []);
        return { status: 'wait', ms: o.ms };
      case 'advance': {
        const progress = { ...d.progress, ...o.progress };
        const patch: Prisma.DeploymentUpdateInput = forward
          ? { cursor: d.cursor + 1, phase, progress: toJson(progress) }
          : { progress: toJson({ ...progress, revert: { ...progress.revert!, cursor: ctx.index + 1 } }) };
        await this.recorded(h, patch, o);
        return CONTINUE;
      }
      case 'record':
        await this.recorded(h, { phase, progress: withProgress(d.progress, o.progress ?? {}) }, o);
        return o.waitMs ? { status: 'wait', ms: o.waitMs } : CONTINUE;
      case 'pause':
        await this.recorded(h, { state: 'paused', phase: o.phase, progress: withProgress(d.progress, o.progress ?? {}) }, o);
        return { status: 'wait', ms: 1000 };
      case 'fail': {
        if (forward) return this.revert(h, d, o, 'failed');
        // Reverting already: there is nothing better to return to, so keep trying and say why, once.
        const stuck = `reverting: ${o.reason}`;
        if (d.phase !== stuck) await this.commit(h, { phase: stuck }, o.events.map((e) => ({ ...e, message: `While reverting: ${e.message}` })));
        return { status: 'wait', ms: 5000 };
      }
    }
  }

  private async recorded(h: LeaseHandle, patch: Prisma.DeploymentUpdateInput, o: Recorded): Promise<void> {
    await this.commit(h, patch, o.events, o.actor, o.extra);
    o.after?.();
  }

  /** Switch to reverting: the steps that restore the previous version, from what runs now. */
  private async revert(h: LeaseHandle, d: LoadedDeployment, o: Extract<Outcome, { kind: 'fail' }>, outcome: Revert['outcome'], rollback?: AsRollback): Promise<AdvanceResult> {
    const rv = await revertFromHere(d, this.runtimeOf(d), { outcome, reason: o.reason, markBad: o.markBad }, rollback);
    const progress = withProgress({ ...d.progress, ...o.progress }, { revert: rv });
    const event: NewEvent = { type: 'reverting', message: revertMessage(d, rv), data: { outcome, reason: o.reason, steps: rv.steps } };
    await this.recorded(h, { state: 'running', phase: 'reverting', progress }, { ...o, events: [...o.events, event] });
    return CONTINUE;
  }

  /** Success also ends the older warm windows: their version is no longer a rollback's target. */
  private async succeededWithWarm(h: LeaseHandle, d: LoadedDeployment): Promise<Ending> {
    const now = this.o.clock.now();
    const warm = await warmAtSuccess(this.runtimeOf(d), { service: d.service.name, token: h.token }, d, now, this.drainMs());
    const ending = succeeded(d, new Date(now));
    const extra = async (tx: Tx) => {
      await ending.extra(tx);
      await warm.extra(tx);
    };
    // The window's events come first: the terminal event is always the last on a timeline.
    return { ...ending, events: [...warm.events, ...ending.events], extra };
  }

  /** The terminal transition; its instances' crashes go on the timeline first, never after it. */
  private async end(h: LeaseHandle, d: LoadedDeployment, ending: Ending): Promise<AdvanceResult> {
    const crashes = await crashesOf(this.runtimeOf(d) as Runtime & RuntimeExtras, d.id);
    await this.commit(
      h,
      ending.patch,
      ending.events,
      SYSTEM,
      async (tx) => {
        await ending.extra(tx);
        await releaseLease(tx, h);
      },
      (tx) => appendCrashes(tx, d.id, crashes, new Date(this.o.clock.now())),
    );
    return { status: 'done' };
  }
}

/**
 * The platform failed, not the version: pause with the reason (a person resumes once it is
 * fixed) and change no traffic; nothing is marked bad. While reverting, keep trying instead.
 */
function faulted(ctx: StepContext, e: RuntimeFault): Outcome {
  const forward = ctx.direction === 'forward';
  const event: NewEvent = {
    type: 'runtime_fault',
    message: forward
      ? `Paused: the runtime failed (${e.kind}): ${e.message}. Nothing was marked bad and no traffic moved; resume once it is fixed.`
      : `the runtime failed (${e.kind}): ${e.message}; retrying`,
    data: { kind: e.kind, details: e.details, step: ctx.index, paused: forward },
  };
  if (!forward) return { kind: 'fail', reason: `runtime fault (${e.kind}): ${e.message}`, markBad: false, events: [event] };
  return { kind: 'pause', phase: `paused: runtime fault (${e.kind})`, progress: { fault: { kind: e.kind, message: e.message, at: ctx.now } }, events: [event] };
}
