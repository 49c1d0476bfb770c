/**
 * The analysis step of a canary: each evaluation measures every metric of the config for the
 * canary and the baseline over the same window, asks the engine for a verdict, stores every
 * reading (what the panel charts) in the same transaction as the verdict, and acts on it:
 * promote moves on, abort reverts with the version marked bad (the analysis config's webhooks
 * are enqueued in the same transaction, for the notification worker to deliver), inconclusive
 * pauses for a person, wait looks again after the interval.
 */
import { canaryFailureReason, evaluateAnalysis, type AnalysisConfig, type AnalysisDecision, type Step } from '../../engine';
import type { Tx } from '../../events/append';
import { measureAll } from '../../metrics';
import { enqueue } from '../../notifications/outbox';
import { analysisConfigOf, consumePromote, stepStarted } from '../../state/deployment-state';
import type { Executor, StepContext } from '../context';

type AnalysisStep = Extract<Step, { kind: 'analysis' }>;

function finiteOrNull(v: number | null): number | null {
  return v !== null && Number.isFinite(v) ? v : null;
}

/** Every reading of one evaluation, stored in the transaction that records its verdict. */
export function storeReadings(ctx: StepContext, step: { canaryStep: number; weight: number }, decision: AnalysisDecision, samples: { canary: number; baseline: number }) {
  const at = new Date(ctx.now);
  return async (tx: Tx) => {
    await tx.analysisMeasurement.createMany({
      data: decision.metrics.map((m) => ({
        deploymentId: ctx.d.id,
        cursor: ctx.index,
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
}

export const analysis: Executor<AnalysisStep> = async (step, ctx) => {
  const { d } = ctx;
  const startedAt = d.progress.stepStartedAt?.[String(ctx.index)];
  const last = d.progress.analysis;
  if (startedAt === undefined) {
    // First evaluation, or a person resumed after an inconclusive end: the window (re)starts now.
    const resumed = last?.cursor === ctx.index && last.verdict === 'inconclusive';
    const config = analysisConfigOf(d.plan, d.service.analysis);
    return {
      kind: 'record',
      progress: { ...stepStarted(d.progress, ctx.index, ctx.now), analysis: { cursor: ctx.index, verdict: 'wait', reason: 'window started', at: ctx.now, breaches: {} } },
      events: [
        {
          type: 'analysis_started',
          message: resumed
            ? `Analysis of canary step ${step.canaryStep + 1} resumed: a new ${step.windowSeconds} s window starts`
            : `Analysis of canary step ${step.canaryStep + 1} at ${step.weight}% started: window ${step.windowSeconds} s, at least ${step.minSamples} requests per cohort`,
          data: { ...step, metrics: config.metrics.map((m) => m.name), resumed },
        },
      ],
    };
  }
  const promote = d.control.promote;
  if (promote && promote.cursor === ctx.index) {
    return {
      kind: 'advance',
      actor: promote.actor,
      events: [{ type: 'promoted', message: `Promoted manually by ${promote.actor}, skipping the rest of the analysis`, data: { cursor: ctx.index } }],
      extra: (tx) => consumePromote(tx, d.id),
    };
  }

  const config = analysisConfigOf(d.plan, d.service.analysis);
  const { samples, readings } = await measureAll(config, {
    service: d.service.name,
    canary: { versionId: d.toVersion.id, semver: d.toVersion.semver },
    baseline: d.fromVersion ? { versionId: d.fromVersion.id, semver: d.fromVersion.semver } : null,
    fromMs: startedAt,
    toMs: ctx.now,
    runtime: ctx.runtime,
  });
  const priorBreaches = last?.cursor === ctx.index ? last.breaches : {};
  const decision = evaluateAnalysis({ startedAt, now: ctx.now, windowSeconds: step.windowSeconds, minSamples: step.minSamples, samples, config, readings, priorBreaches });
  const breaches = Object.fromEntries(decision.metrics.map((m) => [m.name, m.breached ? (priorBreaches[m.name] ?? 0) + 1 : 0]));
  const progress = { analysis: { cursor: ctx.index, verdict: decision.verdict, reason: decision.reason, at: ctx.now, breaches } };
  const extra = storeReadings(ctx, step, decision, samples);
  const data = { ...decisionData(decision), step };
  switch (decision.verdict) {
    case 'promote':
      return { kind: 'advance', progress, extra, events: [{ type: 'analysis_passed', message: `Analysis passed: ${decision.reason}`, data }] };
    case 'abort':
      return {
        kind: 'fail',
        reason: canaryFailureReason(decision.reason),
        markBad: true,
        progress,
        extra: async (tx) => {
          await extra(tx);
          await enqueueWebhooks(tx, ctx, config, decision, `Canary of ${d.service.name} v${d.toVersion.semver} failed analysis and was rolled back to ${d.fromVersion ? `v${d.fromVersion.semver}` : 'nothing'}: ${decision.reason}`);
        },
        events: [{ type: 'analysis_failed', message: `Analysis failed: ${decision.reason}`, data }],
      };
    case 'inconclusive':
      return {
        kind: 'pause',
        phase: 'inconclusive: waiting for a person',
        progress,
        extra,
        events: [{ type: 'analysis_inconclusive', message: `Analysis inconclusive, paused for a person (resume for a new window, promote, or abort): ${decision.reason}`, data }],
      };
    default: {
      const interval = config.intervalSeconds !== undefined ? config.intervalSeconds * 1000 : ctx.analysisIntervalMs;
      return { kind: 'record', progress, extra, events: [], waitMs: Math.max(1, Math.min(interval, decision.remainingSeconds * 1000 || interval)) };
    }
  }
};

/** What an evaluation's events carry: the verdict, the decisive metric's figures, every metric. */
export function decisionData(decision: AnalysisDecision) {
  const decisive = decision.metrics.find((m) => m.name === decision.decisive) ?? null;
  return {
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
  };
}

/**
 * The analysis config's own webhooks: told about a failed analysis in the transaction that
 * records it (delivered, and retried, by the notification worker).
 */
export async function enqueueWebhooks(tx: Tx, ctx: StepContext, config: AnalysisConfig, decision: AnalysisDecision, summary: string, postPromotion = false): Promise<void> {
  const { d } = ctx;
  if (config.webhooks.length === 0) return;
  const x = decisionData(decision);
  await enqueue(tx, {
    kind: 'canary_analysis_failed',
    serviceId: d.serviceId,
    environmentId: d.environment.id,
    deploymentId: d.id,
    at: new Date(ctx.now),
    extraTargets: config.webhooks.map((w) => ({ url: w.url, format: w.format })),
    payload: {
      event: 'canary_analysis_failed',
      summary,
      deploymentId: d.id,
      service: d.service.name,
      environment: d.environment.name,
      version: d.toVersion.semver,
      baselineVersion: d.fromVersion?.semver ?? null,
      reason: decision.reason,
      metric: x.metric,
      canary: x.canary,
      baseline: x.baseline,
      canaryN: x.canaryN,
      baselineN: x.baselineN,
      pValue: x.pValue,
      elapsedSeconds: decision.elapsedSeconds,
      windowSeconds: decision.windowSeconds,
      postPromotion,
      at: new Date(ctx.now).toISOString(),
    },
  });
}
