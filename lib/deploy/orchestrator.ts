/**
 * The orchestrator advances one deployment at a time as a durable state machine.
 *
 * Level-triggered: each call to `advance()` reads what is (the deployment row, the runtime's
 * instances), asks the pure engine what to do, does it idempotently through the runtime,
 * then records the transition and its events in ONE transaction guarded by the lease's
 * fencing token. Re-running a step after a crash is safe: instance ids are deterministic
 * (starting one twice is a no-op), a routing table is set whole, stopping is idempotent.
 * Time comes from the injected clock.
 */
import { AppError, isAppError } from '../errors/app-error';
import type { Clock } from '../clock';
import type { Db, Prisma } from '../db/client';
import { appendEvents, type NewEvent, type Tx } from '../events/append';
import {
  assessHealth,
  evaluateAnalysis,
  validateAnalysisConfig,
  type AnalysisConfig,
  planRevert,
  type CanaryParams,
  type HealthPolicy,
  type Hooks,
  type InstanceRef,
  type Plan,
  type Probe,
  type RouteSpec,
  type Step,
} from '../engine';
import { DEFAULTS } from '../engine/types';
import type { Backend, InstanceSpec, InstanceStatus, Runtime } from '../runtime/types';
import { fence, releaseLease, type LeaseHandle } from './lease';
import { runHook, type HookResult } from './hooks';
import { sendAlerts, type AnalysisAlert } from './alerts';
import { measureAll } from '../metrics';

export interface Progress {
  /** cursor → epoch ms at which that step began (analysis windows, delays) */
  stepStartedAt?: Record<string, number>;
  /** Set once the deployment is being reverted (failure or abort): its own steps and cursor. */
  revert?: {
    steps: Step[];
    cursor: number;
    outcome: 'failed' | 'aborted';
    reason: string;
    markBad: boolean;
  };
  /** The latest analysis evaluation (running verdict) and value-only threshold breaches in a row. */
  analysis?: { cursor: number; verdict: string; reason: string; at: number; breaches: Record<string, number> };
  /** `${phase}:${index}` → epoch ms a hook was started, to tell a re-run after a crash. */
  hookStarted?: Record<string, number>;
}

export interface Control {
  abort?: { actor: string; reason: string; markBad: boolean; at: number };
  /** Skip the wait at plan step `cursor` (hold or analysis). */
  promote?: { actor: string; at: number; cursor: number };
}

export type AdvanceResult = { status: 'continue' } | { status: 'wait'; ms: number } | { status: 'done' } | { status: 'lost'; reason: string };

export interface OrchestratorOptions {
  db: Db;
  runtime: Runtime;
  clock: Clock;
  /** Seconds between two canary evaluations (default 10). */
  analysisIntervalSeconds?: number;
  drainTimeoutMs?: number;
  log?: (msg: string) => void;
}

const SYSTEM = 'flightdeck';

type Loaded = NonNullable<Awaited<ReturnType<typeof load>>>;

async function load(db: Db, id: string) {
  return db.deployment.findUnique({
    where: { id },
    include: { service: true, toVersion: true, fromVersion: true },
  });
}

function healthOf(raw: unknown): HealthPolicy {
  return { ...DEFAULTS.health, ...((raw ?? {}) as Partial<HealthPolicy>) };
}

function hooksOf(raw: unknown): Hooks {
  const h = (raw ?? {}) as Partial<Hooks>;
  return { pre: h.pre ?? [], post: h.post ?? [] };
}

export function instanceId(serviceName: string, semver: string, slot: number, deploymentId: string): string {
  return `${serviceName}-${semver}-${slot}-${deploymentId.slice(0, 8)}`;
}

export class Orchestrator {
  private probes = new Map<string, Probe[]>();
  private lastProbeAt = new Map<string, number>();
  private readonly analysisIntervalMs: number;
  private readonly drainTimeoutMs: number;

  constructor(private readonly o: OrchestratorOptions) {
    this.analysisIntervalMs = (o.analysisIntervalSeconds ?? 10) * 1000;
    this.drainTimeoutMs = o.drainTimeoutMs ?? 10_000;
  }

  private get db() {
    return this.o.db;
  }
  private get runtime() {
    return this.o.runtime;
  }
  private now() {
    return this.o.clock.now();
  }

  /** One transition: fence, update the deployment, append its events — one transaction. */
  async commit(
    h: LeaseHandle,
    patch: Prisma.DeploymentUpdateInput,
    events: NewEvent[],
    actor = SYSTEM,
    extra?: (tx: Tx) => Promise<void>,
  ): Promise<void> {
    const now = this.now();
    await this.db.$transaction(async (tx) => {
      await fence(tx, h, now);
      await tx.deployment.update({ where: { id: h.deploymentId }, data: { ...patch, updatedAt: new Date(now) } });
      await appendEvents(tx, h.deploymentId, events, actor, new Date(now));
      if (extra) await extra(tx);
    });
  }

  /** Advance the deployment held by `h` by at most one step. */
  async advance(h: LeaseHandle): Promise<AdvanceResult> {
    try {
      const r = await this.advanceInner(h);
      if (r.status === 'done') this.forget(h.deploymentId);
      return r;
    } catch (e) {
      if (isAppError(e) && e.code === 'stale_lease') return { status: 'lost', reason: e.message };
      if (e instanceof Error && e.name === 'StaleFenceError') return { status: 'lost', reason: e.message };
      throw e;
    }
  }

  private async advanceInner(h: LeaseHandle): Promise<AdvanceResult> {
    const d = await load(this.db, h.deploymentId);
    if (!d) return { status: 'lost', reason: `deployment ${h.deploymentId} no longer exists` };
    if (d.state === 'succeeded' || d.state === 'failed' || d.state === 'aborted') {
      await this.db.$transaction(async (tx) => releaseLease(tx, h));
      return { status: 'done' };
    }
    const plan = d.plan as unknown as Plan;
    const progress = (d.progress ?? {}) as Progress;
    const control = (d.control ?? {}) as Control;

    if (d.state === 'queued') {
      const from = d.fromVersion ? `v${d.fromVersion.semver}` : 'nothing';
      await this.commit(h, { state: 'running', startedAt: new Date(this.now()), phase: 'starting' }, [
        {
          type: 'deployment_started',
          message: `${d.kind === 'rollback' ? 'Rolling back' : 'Deploying'} ${d.service.name} ${from} → v${d.toVersion.semver} (${plan.strategy}, ${plan.steps.length} steps)`,
          data: { strategy: plan.strategy, from: d.fromVersion?.semver ?? null, to: d.toVersion.semver, worker: h.owner, token: h.token },
        },
      ]);
      return { status: 'continue' };
    }

    // A requested abort turns into a revert, whether running or paused.
    if (control.abort && !progress.revert) {
      return this.beginRevert(h, d, 'aborted', control.abort.reason, control.abort.markBad, control.abort.actor);
    }
    if (progress.revert) return this.stepRevert(h, d, progress);
    if (d.state === 'paused') return { status: 'wait', ms: 1000 };

    if (d.cursor >= plan.steps.length) return this.succeed(h, d);
    const step = plan.steps[d.cursor]!;
    return this.execute(h, d, plan, progress, control, step);
  }

  // ------------------------------------------------------------------ steps

  private async execute(h: LeaseHandle, d: Loaded, plan: Plan, progress: Progress, control: Control, step: Step): Promise<AdvanceResult> {
    const next = d.cursor + 1;
    const phase = describeStep(step, plan);
    switch (step.kind) {
      case 'hook': {
        const hooks = hooksOf(d.service.hooks);
        const hook = (step.phase === 'pre' ? hooks.pre : hooks.post)[step.index];
        if (!hook) throw new Error(`plan refers to ${step.phase}-deploy hook #${step.index} which the service no longer has`);
        const key = `${step.phase}:${step.index}`;
        const rerun = progress.hookStarted?.[key] !== undefined;
        if (!rerun) {
          await this.commit(h, { phase, progress: { ...progress, hookStarted: { ...progress.hookStarted, [key]: this.now() } } as Prisma.InputJsonValue }, [
            { type: 'hook_started', message: `${step.phase}-deploy hook "${hook.name}" started`, data: { phase: step.phase, index: step.index, name: hook.name } },
          ]);
        }
        const result: HookResult = await runHook(hook, {
          deploymentId: d.id,
          service: d.service.name,
          version: d.toVersion.semver,
          phase: step.phase,
          key: `${d.id}:${key}`,
        });
        const data = { phase: step.phase, index: step.index, name: hook.name, rerun, ...result };
        if (result.ok) {
          await this.commit(h, { cursor: next }, [
            { type: 'hook_succeeded', message: `${step.phase}-deploy hook "${hook.name}" succeeded in ${result.durationMs} ms`, data },
          ]);
          return { status: 'continue' };
        }
        await this.commit(h, {}, [
          { type: 'hook_failed', message: `${step.phase}-deploy hook "${hook.name}" failed: ${result.error ?? `exit ${result.exitCode}`}`, data },
        ]);
        return this.beginRevert(h, d, 'failed', `${step.phase}-deploy hook "${hook.name}" failed`, false);
      }

      case 'start': {
        const specs = this.specsFor(d, step.instances);
        await this.runtime.start(this.fenceOf(d, h), specs);
        await this.commit(h, { cursor: next, phase }, [
          { type: 'instances_started', message: `Started ${specs.length} instance(s): ${specs.map((s) => s.id).join(', ')}`, data: { instances: specs.map((s) => ({ id: s.id, slot: s.slot, version: s.semver })) } },
        ]);
        return { status: 'continue' };
      }

      case 'await_ready': {
        const r = await this.checkReady(d, step.instances);
        if (r.status === 'ready') {
          await this.commit(h, { cursor: next, phase }, [
            { type: 'instances_ready', message: `${r.ids.length} instance(s) ready: ${r.ids.join(', ')}`, data: { instances: r.ids } },
          ]);
          return { status: 'continue' };
        }
        if (r.status === 'unhealthy') {
          await this.commit(h, {}, [{ type: 'instance_unhealthy', message: r.reason, data: { instance: r.id } }]);
          return this.beginRevert(h, d, 'failed', r.reason, true);
        }
        if (d.phase !== phase) await this.commit(h, { phase }, []);
        return { status: 'wait', ms: r.waitMs };
      }

      case 'route': {
        const table = await this.tableFor(d, step.route);
        await this.runtime.setRoutes(this.fenceOf(d, h), table);
        await this.commit(h, { cursor: next, phase }, [
          { type: 'traffic_shifted', message: describeRoute(step.route, d), data: { route: step.route, backends: table.backends } },
        ]);
        return { status: 'continue' };
      }

      case 'drain_stop': {
        const ids = (await this.resolve(d, step.instances)).map((i) => i.id);
        await this.runtime.drainAndStop(this.fenceOf(d, h), ids, this.drainTimeoutMs);
        await this.commit(h, { cursor: next, phase }, [
          { type: 'instances_stopped', message: `Drained and stopped ${ids.length} instance(s)`, data: { instances: ids } },
        ]);
        return { status: 'continue' };
      }

      case 'analysis':
        return this.analyse(h, d, plan, progress, control, step, phase);

      case 'hold': {
        if (control.promote && control.promote.cursor === d.cursor) {
          await this.commit(h, { cursor: next }, [
            { type: 'promoted', message: `Promoted by ${control.promote.actor}`, data: { cursor: d.cursor } },
          ], control.promote.actor, (tx) => consumePromote(tx, d.id));
          return { status: 'continue' };
        }
        if (d.phase !== phase) {
          await this.commit(h, { phase }, [{ type: 'awaiting_promotion', message: `Waiting for promotion: ${step.reason}`, data: {} }]);
        }
        return { status: 'wait', ms: 1000 };
      }

      case 'delay': {
        const key = String(d.cursor);
        const startedAt = progress.stepStartedAt?.[key];
        if (startedAt === undefined) {
          await this.commit(h, { phase, progress: { ...progress, stepStartedAt: { ...progress.stepStartedAt, [key]: this.now() } } as Prisma.InputJsonValue }, [
            { type: 'delay_started', message: `Waiting ${step.seconds} s: ${step.reason}`, data: { seconds: step.seconds } },
          ]);
          return { status: 'continue' };
        }
        const left = startedAt + step.seconds * 1000 - this.now();
        if (left > 0) return { status: 'wait', ms: left };
        await this.commit(h, { cursor: next }, [{ type: 'delay_finished', message: `Waited ${step.seconds} s: ${step.reason}`, data: {} }]);
        return { status: 'continue' };
      }
    }
  }

  // ------------------------------------------------------------------ analysis

  /**
   * One evaluation of a canary analysis step: measure every metric (canary and baseline over
   * the same window), ask the engine, store every reading, act on the verdict.
   */
  private async analyse(
    h: LeaseHandle,
    d: Loaded,
    plan: Plan,
    progress: Progress,
    control: Control,
    step: Extract<Step, { kind: 'analysis' }>,
    phase: string,
  ): Promise<AdvanceResult> {
    const key = String(d.cursor);
    const next = d.cursor + 1;
    const startedAt = progress.stepStartedAt?.[key];
    const last = progress.analysis;
    // First evaluation, or a person resumed after an inconclusive end: (re)start the window.
    const restart = startedAt !== undefined && last?.cursor === d.cursor && last.verdict === 'inconclusive';
    if (startedAt === undefined || restart) {
      const now = this.now();
      await this.commit(
        h,
        {
          phase,
          progress: {
            ...progress,
            stepStartedAt: { ...progress.stepStartedAt, [key]: now },
            analysis: { cursor: d.cursor, verdict: 'wait', reason: 'window started', at: now, breaches: {} },
          } as unknown as Prisma.InputJsonValue,
        },
        [
          restart
            ? {
                type: 'analysis_restarted',
                message: `Analysis of canary step ${step.canaryStep + 1} resumed: a new ${step.windowSeconds} s window starts`,
                data: { ...step },
              }
            : {
                type: 'analysis_started',
                message: `Analysis of canary step ${step.canaryStep + 1} at ${step.weight}% started: window ${step.windowSeconds} s, at least ${step.minSamples} requests per cohort`,
                data: { ...step, metrics: analysisConfigOf(plan, d).metrics.map((m) => m.name) },
              },
        ],
      );
      return { status: 'continue' };
    }
    if (control.promote && control.promote.cursor === d.cursor) {
      await this.commit(h, { cursor: next }, [
        { type: 'promoted', message: `Promoted manually by ${control.promote.actor}, skipping the rest of the analysis`, data: { cursor: d.cursor } },
      ], control.promote.actor, (tx) => consumePromote(tx, d.id));
      return { status: 'continue' };
    }
    const config = analysisConfigOf(plan, d);
    const now = this.now();
    const { samples, readings } = await measureAll(config, {
      service: d.service.name,
      canary: { versionId: d.toVersionId, semver: d.toVersion.semver },
      baseline: d.fromVersion ? { versionId: d.fromVersion.id, semver: d.fromVersion.semver } : null,
      fromMs: startedAt,
      toMs: now,
      runtime: this.runtime,
    });
    const priorBreaches = last?.cursor === d.cursor ? (last.breaches ?? {}) : {};
    const decision = evaluateAnalysis({
      startedAt,
      now,
      windowSeconds: step.windowSeconds,
      minSamples: step.minSamples,
      samples,
      config,
      readings,
      priorBreaches,
    });
    const breaches = Object.fromEntries(decision.metrics.map((m) => [m.name, m.breached ? (priorBreaches[m.name] ?? 0) + 1 : 0]));
    const at = new Date(now);
    const store = async (tx: Tx) => {
      await tx.analysisMeasurement.createMany({
        data: decision.metrics.map((m) => ({
          deploymentId: d.id,
          cursor: d.cursor,
          canaryStep: step.canaryStep,
          weight: step.weight,
          at,
          elapsedSeconds: decision.elapsedSeconds,
          metric: m.name,
          canaryValue: finiteOrNull(m.canary),
          baselineValue: finiteOrNull(m.baseline),
          canaryN: m.canaryN,
          baselineN: m.baselineN,
          pValue: finiteOrNull(m.pValue),
          status: m.status,
          canarySamples: samples.canary,
          baselineSamples: samples.baseline,
          verdict: decision.verdict,
          reason: decision.reason,
        })),
      });
    };
    const nextProgress = {
      ...progress,
      analysis: { cursor: d.cursor, verdict: decision.verdict, reason: decision.reason, at: now, breaches },
    } as unknown as Prisma.InputJsonValue;
    const decisive = decision.metrics.find((m) => m.name === decision.decisive) ?? null;
    const data = {
      verdict: decision.verdict,
      reason: decision.reason,
      metric: decisive?.name ?? null,
      canary: decisive?.canary ?? null,
      baseline: decisive?.baseline ?? null,
      canaryN: decisive?.canaryN ?? null,
      baselineN: decisive?.baselineN ?? null,
      pValue: decisive?.pValue ?? null,
      samples: decision.samples,
      elapsedSeconds: decision.elapsedSeconds,
      remainingSeconds: decision.remainingSeconds,
      metrics: decision.metrics,
      step,
    };
    switch (decision.verdict) {
      case 'promote':
        await this.commit(h, { cursor: next, progress: nextProgress }, [{ type: 'analysis_passed', message: `Analysis passed: ${decision.reason}`, data }], SYSTEM, store);
        return { status: 'continue' };
      case 'abort': {
        await this.commit(h, { progress: nextProgress }, [{ type: 'analysis_failed', message: `Analysis failed: ${decision.reason}`, data }], SYSTEM, store);
        if (config.webhooks.length) {
          const alert: AnalysisAlert = {
            event: 'canary_analysis_failed',
            deploymentId: d.id,
            service: d.service.name,
            version: d.toVersion.semver,
            baselineVersion: d.fromVersion?.semver ?? null,
            reason: decision.reason,
            metric: data.metric,
            canary: data.canary,
            baseline: data.baseline,
            canaryN: data.canaryN,
            baselineN: data.baselineN,
            pValue: data.pValue,
            elapsedSeconds: decision.elapsedSeconds,
            windowSeconds: decision.windowSeconds,
            at: at.toISOString(),
          };
          // Not awaited: the revert must not wait for a receiver. The outcome goes on the timeline.
          void sendAlerts(config.webhooks, alert).then(
            (results) =>
              this.db
                .$transaction((tx) =>
                  appendEvents(tx, d.id, [{
                    type: 'alert_sent',
                    message: `Alerted ${results.filter((r) => r.ok).length} of ${results.length} webhook(s)${results.some((r) => !r.ok) ? `; failed: ${results.filter((r) => !r.ok).map((r) => `${r.url} (${r.error ?? r.status})`).join(', ')}` : ''}`,
                    data: { results },
                  }], SYSTEM, new Date(this.now())),
                )
                .catch((e: unknown) => this.o.log?.(`recording webhook results for ${d.id} failed: ${String(e)}`)),
            (e: unknown) => this.o.log?.(`webhooks for ${d.id} failed: ${String(e)}`),
          );
        }
        return this.beginRevert(h, { ...d, progress: nextProgress } as Loaded, 'failed', `canary analysis failed: ${decision.reason}`, true);
      }
      case 'inconclusive':
        await this.commit(h, { state: 'paused', phase: 'inconclusive: waiting for a person', progress: nextProgress }, [
          { type: 'analysis_inconclusive', message: `Analysis inconclusive, paused for a person (resume for a new window, promote, or abort): ${decision.reason}`, data },
        ], SYSTEM, store);
        return { status: 'wait', ms: 1000 };
      default: {
        await this.commit(h, { progress: nextProgress }, [], SYSTEM, store);
        const interval = config.intervalSeconds !== undefined ? config.intervalSeconds * 1000 : this.analysisIntervalMs;
        return { status: 'wait', ms: Math.max(1, Math.min(interval, decision.remainingSeconds * 1000 || interval)) };
      }
    }
  }

  // ------------------------------------------------------------------ revert / finish

  /** Decide the steps that put the old version back, from what actually runs now. */
  private async beginRevert(h: LeaseHandle, d: Loaded, outcome: 'failed' | 'aborted', reason: string, markBad: boolean, actor = SYSTEM): Promise<AdvanceResult> {
    const running = (await this.runtime.list(d.service.name)).filter((i) => i.state === 'running');
    const plan = d.plan as unknown as Plan;
    // Only hooks ran so far (e.g. a failed pre-deploy hook): nothing was touched, nothing to undo.
    const newRunning = running.filter((i) => i.versionId === d.toVersionId && this.ownedBy(i, d)).map((i) => i.slot);
    const touched = newRunning.length > 0 || plan.steps.slice(0, d.cursor).some((s) => s.kind !== 'hook');
    const steps = !touched
      ? []
      : planRevert({
          replicas: plan.replicas,
          hasOld: d.fromVersionId !== null,
          oldRunning: running.filter((i) => i.versionId === d.fromVersionId).map((i) => i.slot),
          newRunning,
        });
    const progress = (d.progress ?? {}) as Progress;
    await this.commit(
      h,
      { state: 'running', phase: 'reverting', progress: { ...progress, revert: { steps, cursor: 0, outcome, reason, markBad } } as unknown as Prisma.InputJsonValue },
      [
        {
          type: 'reverting',
          message: steps.length
            ? `${outcome === 'aborted' ? 'Aborting' : 'Failing'}: ${reason}. Returning traffic to ${d.fromVersion ? `v${d.fromVersion.semver}` : 'nothing'} (${steps.length} steps)`
            : `${outcome === 'aborted' ? 'Aborting' : 'Failing'}: ${reason}. Nothing was touched.`,
          data: { outcome, reason, steps },
        },
      ],
      actor,
    );
    return { status: 'continue' };
  }

  private async stepRevert(h: LeaseHandle, d: Loaded, progress: Progress): Promise<AdvanceResult> {
    const rv = progress.revert!;
    if (rv.cursor >= rv.steps.length) return this.finishFailed(h, d, rv);
    const step = rv.steps[rv.cursor]!;
    const advanced = { ...progress, revert: { ...rv, cursor: rv.cursor + 1 } } as unknown as Prisma.InputJsonValue;
    switch (step.kind) {
      case 'start': {
        const specs = this.specsFor(d, step.instances);
        await this.runtime.start(this.fenceOf(d, h), specs);
        await this.commit(h, { progress: advanced }, [{ type: 'instances_started', message: `Restarted ${specs.length} instance(s) of the previous version`, data: { instances: specs.map((s) => s.id) } }]);
        return { status: 'continue' };
      }
      case 'await_ready': {
        const r = await this.checkReady(d, step.instances);
        if (r.status === 'ready') {
          await this.commit(h, { progress: advanced }, [{ type: 'instances_ready', message: `${r.ids.length} instance(s) of the previous version ready`, data: { instances: r.ids } }]);
          return { status: 'continue' };
        }
        if (r.status === 'unhealthy') {
          // Nothing better to return to; keep trying while telling people.
          await this.commit(h, {}, [{ type: 'instance_unhealthy', message: `While reverting: ${r.reason}`, data: { instance: r.id } }]);
          return { status: 'wait', ms: 5000 };
        }
        return { status: 'wait', ms: r.waitMs };
      }
      case 'route': {
        const table = await this.tableFor(d, step.route);
        await this.runtime.setRoutes(this.fenceOf(d, h), table);
        await this.commit(h, { progress: advanced }, [{ type: 'traffic_shifted', message: describeRoute(step.route, d), data: { route: step.route, backends: table.backends } }]);
        return { status: 'continue' };
      }
      case 'drain_stop': {
        const ids = (await this.resolve(d, step.instances)).map((i) => i.id);
        await this.runtime.drainAndStop(this.fenceOf(d, h), ids, this.drainTimeoutMs);
        await this.commit(h, { progress: advanced }, [{ type: 'instances_stopped', message: `Drained and stopped ${ids.length} instance(s) of v${d.toVersion.semver}`, data: { instances: ids } }]);
        return { status: 'continue' };
      }
      default:
        await this.commit(h, { progress: advanced }, []);
        return { status: 'continue' };
    }
  }

  private async finishFailed(h: LeaseHandle, d: Loaded, rv: NonNullable<Progress['revert']>): Promise<AdvanceResult> {
    const now = new Date(this.now());
    await this.commit(
      h,
      { state: rv.outcome, phase: rv.outcome, finishedAt: now, activeFor: null, reason: rv.reason },
      [
        {
          type: rv.outcome === 'aborted' ? 'deployment_aborted' : 'deployment_failed',
          message: `${rv.outcome === 'aborted' ? 'Aborted' : 'Failed'}: ${rv.reason}${rv.markBad ? `. v${d.toVersion.semver} marked bad` : ''}`,
          data: { reason: rv.reason, markedBad: rv.markBad, version: d.toVersion.semver },
        },
      ],
      SYSTEM,
      async (tx) => {
        if (rv.markBad) {
          await tx.version.update({ where: { id: d.toVersionId }, data: { bad: true, badReason: rv.reason, markedBadAt: now } });
        }
        await releaseLease(tx, h);
      },
    );
    return { status: 'done' };
  }

  private async succeed(h: LeaseHandle, d: Loaded): Promise<AdvanceResult> {
    const now = new Date(this.now());
    await this.commit(
      h,
      { state: 'succeeded', phase: 'succeeded', finishedAt: now, activeFor: null },
      [
        {
          type: 'deployment_completed',
          message: `${d.service.name} now serves v${d.toVersion.semver}`,
          data: { version: d.toVersion.semver, from: d.fromVersion?.semver ?? null },
        },
      ],
      SYSTEM,
      async (tx) => {
        await tx.releaseHistory.updateMany({ where: { serviceId: d.serviceId, until: null }, data: { until: now } });
        await tx.releaseHistory.create({ data: { serviceId: d.serviceId, versionId: d.toVersionId, deploymentId: d.id, from: now } });
        await releaseLease(tx, h);
      },
    );
    return { status: 'done' };
  }

  // ------------------------------------------------------------------ helpers

  /** Drop the probe history of a finished deployment's instances. */
  private forget(deploymentId: string) {
    const suffix = `-${deploymentId.slice(0, 8)}`;
    for (const id of [...this.probes.keys()]) {
      if (id.endsWith(suffix)) {
        this.probes.delete(id);
        this.lastProbeAt.delete(id);
      }
    }
  }

  private fenceOf(d: Loaded, h: LeaseHandle) {
    return { service: d.service.name, token: h.token };
  }

  /** New-role instances are this deployment's own; old-role ones are whatever serves the old version. */
  private ownedBy(i: InstanceStatus, d: Loaded): boolean {
    return i.id.endsWith(`-${d.id.slice(0, 8)}`);
  }

  private specsFor(d: Loaded, refs: InstanceRef[]): InstanceSpec[] {
    const template = (d.service.template ?? {}) as { command?: string; args?: string[]; cwd?: string; env?: Record<string, string> };
    const health = healthOf(d.service.health);
    return refs.map((ref) => {
      const version = ref.role === 'new' ? d.toVersion : d.fromVersion;
      if (!version) throw new Error(`no ${ref.role} version to start for slot ${ref.slot}`);
      const artifact = (version.artifact ?? {}) as { command?: string; args?: string[]; cwd?: string };
      const id = instanceId(d.service.name, version.semver, ref.slot, d.id);
      return {
        id,
        service: d.service.name,
        versionId: version.id,
        semver: version.semver,
        slot: ref.slot,
        command: artifact.command ?? template.command ?? '',
        args: artifact.args ?? template.args ?? [],
        cwd: artifact.cwd ?? template.cwd,
        env: {
          ...(template.env ?? {}),
          ...((version.config ?? {}) as Record<string, string>),
          FLIGHTDECK_SERVICE: d.service.name,
          FLIGHTDECK_VERSION: version.semver,
          FLIGHTDECK_INSTANCE: id,
          FLIGHTDECK_SLOT: String(ref.slot),
        },
        healthPath: health.path,
      };
    });
  }

  /** Map plan refs to the running instances they mean now. */
  private async resolve(d: Loaded, refs: InstanceRef[]): Promise<InstanceStatus[]> {
    const all = await this.runtime.list(d.service.name);
    const out: InstanceStatus[] = [];
    for (const ref of refs) {
      const versionId = ref.role === 'new' ? d.toVersionId : d.fromVersionId;
      const matches = all.filter((i) => i.versionId === versionId && i.slot === ref.slot);
      // Prefer this deployment's own instance (a revert may have restarted an old slot).
      matches.sort((a, b) => Number(this.ownedBy(b, d)) - Number(this.ownedBy(a, d)));
      if (matches[0]) out.push(...(ref.role === 'new' ? matches.filter((m) => this.ownedBy(m, d)) : matches));
    }
    return out;
  }

  private async checkReady(
    d: Loaded,
    refs: InstanceRef[],
  ): Promise<{ status: 'ready'; ids: string[] } | { status: 'unhealthy'; id: string; reason: string } | { status: 'starting'; waitMs: number }> {
    const policy = healthOf(d.service.health);
    const all = await this.runtime.list(d.service.name);
    const now = this.now();
    const ids: string[] = [];
    let starting = false;
    for (const ref of refs) {
      const versionId = ref.role === 'new' ? d.toVersionId : d.fromVersionId;
      const inst =
        all.find((i) => i.versionId === versionId && i.slot === ref.slot && this.ownedBy(i, d)) ??
        all.find((i) => i.versionId === versionId && i.slot === ref.slot);
      if (!inst) return { status: 'unhealthy', id: `slot ${ref.slot}`, reason: `instance for ${ref.role} slot ${ref.slot} is not running` };
      ids.push(inst.id);
      const history = this.probes.get(inst.id) ?? [];
      const last = this.lastProbeAt.get(inst.id) ?? 0;
      if (inst.state === 'running' && now - last >= policy.intervalSeconds * 1000) {
        const ok = await this.runtime.probe(inst.id, policy.path, policy.timeoutSeconds * 1000);
        history.push({ at: now, ok });
        this.probes.set(inst.id, history.slice(-50));
        this.lastProbeAt.set(inst.id, now);
      }
      const health = assessHealth({ probes: history, startedAt: inst.startedAt, now, policy, exited: inst.state === 'exited' });
      if (health.status === 'unhealthy') {
        const why = inst.state === 'exited' && inst.exitReason ? `${inst.exitReason}` : health.reason;
        return { status: 'unhealthy', id: inst.id, reason: `instance ${inst.id} is unhealthy: ${why}` };
      }
      if (health.status !== 'ready') starting = true;
    }
    if (!starting) return { status: 'ready', ids };
    return { status: 'starting', waitMs: policy.intervalSeconds * 1000 };
  }

  private async tableFor(d: Loaded, route: RouteSpec) {
    const all = (await this.runtime.list(d.service.name)).filter((i) => i.state === 'running');
    const backends: Backend[] = [];
    const pick = (role: 'old' | 'new', slot: number) => {
      const versionId = role === 'new' ? d.toVersionId : d.fromVersionId;
      return (
        all.find((i) => i.versionId === versionId && i.slot === slot && this.ownedBy(i, d)) ??
        (role === 'old' ? all.find((i) => i.versionId === versionId && i.slot === slot) : undefined)
      );
    };
    if (route.mode === 'instances') {
      for (const slot of route.old) {
        const i = pick('old', slot);
        if (i) backends.push({ instanceId: i.id, versionId: i.versionId, weight: 1 });
      }
      for (const slot of route.new) {
        const i = pick('new', slot);
        if (i) backends.push({ instanceId: i.id, versionId: i.versionId, weight: 1 });
      }
    } else {
      const newOnes = all.filter((i) => i.versionId === d.toVersionId && this.ownedBy(i, d));
      const oldOnes = all.filter((i) => i.versionId === d.fromVersionId);
      const w = route.newWeight;
      if (w > 0 && newOnes.length === 0) throw new Error(`no running instance of v${d.toVersion.semver} to send ${w}% of traffic to`);
      if (w > 0) for (const i of newOnes) backends.push({ instanceId: i.id, versionId: i.versionId, weight: w / newOnes.length });
      if (w < 100) for (const i of oldOnes) backends.push({ instanceId: i.id, versionId: i.versionId, weight: (100 - w) / oldOnes.length });
    }
    return { service: d.service.name, backends };
  }
}

function finiteOrNull(v: number | null): number | null {
  return v !== null && Number.isFinite(v) ? v : null;
}

/** The plan's analysis config; plans made before analysis configs existed use the service's. */
export function analysisConfigOf(plan: Plan, d: { service: { analysis: unknown } }): AnalysisConfig {
  return plan.analysis ?? validateAnalysisConfig(d.service.analysis, { maxErrorRate: (plan.params as CanaryParams).maxErrorRate });
}

/** Remove only the promote request: an abort requested meanwhile must survive. */
async function consumePromote(tx: Tx, id: string): Promise<void> {
  await tx.$executeRaw`UPDATE deployments SET control = control - 'promote' WHERE id = ${id}::uuid`;
}

export function describeStep(step: Step, plan: Plan): string {
  switch (step.kind) {
    case 'hook':
      return `${step.phase}-deploy hook ${step.name}`;
    case 'start':
    case 'await_ready':
    case 'drain_stop': {
      const slots = step.instances.map((i) => i.slot);
      const batch = plan.batches?.findIndex((b) => b.some((s) => slots.includes(s)));
      const verb = step.kind === 'start' ? 'starting' : step.kind === 'await_ready' ? 'waiting for readiness' : 'draining';
      return plan.strategy === 'rolling' && batch !== undefined && batch >= 0 ? `batch ${batch + 1}/${plan.batches!.length}: ${verb}` : verb;
    }
    case 'route':
      return step.route.mode === 'weights' ? `traffic ${step.route.newWeight}% to new` : 'shifting traffic';
    case 'analysis':
      return `analysing canary at ${step.weight}%`;
    case 'hold':
      return 'awaiting promotion';
    case 'delay':
      return step.reason;
  }
}

function describeRoute(route: RouteSpec, d: Loaded): string {
  const to = `v${d.toVersion.semver}`;
  const from = d.fromVersion ? `v${d.fromVersion.semver}` : 'nothing';
  if (route.mode === 'weights') {
    if (route.newWeight === 100) return `All traffic to ${to}`;
    if (route.newWeight === 0) return `All traffic back to ${from}`;
    return `${route.newWeight}% of traffic to ${to}, ${100 - route.newWeight}% to ${from}`;
  }
  return `Traffic to ${route.new.length} instance(s) of ${to} and ${route.old.length} of ${from}`;
}

export { AppError };
