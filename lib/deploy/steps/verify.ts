/**
 * Post-promotion analysis: once the new version takes all the traffic, it is analysed for a
 * window with the same metrics and rules as a canary step — against the previous version's
 * figures over the same length of time just before the deployment began (read from the router
 * once, when the window starts, and kept in the deployment's progress: the router forgets).
 * The old instances still run out of rotation, so harm reverts at once: a traffic switch.
 */
import { evaluateAnalysis, type Step } from '../../engine';
import { measureAll } from '../../metrics';
import type { Runtime, VersionLatency, VersionTraffic } from '../../runtime/types';
import { analysisConfigOf, consumePromote, stepStarted, type Progress } from '../../state/deployment-state';
import type { Executor, StepContext } from '../context';
import { decisionData, enqueueWebhooks, storeReadings } from './analysis';

type VerifyStep = Extract<Step, { kind: 'verify' }>;
type Baseline = NonNullable<Progress['verifyBaseline']>;

/** The runtime as the providers see it: the baseline version's figures are the recorded ones. */
function withRecordedBaseline(runtime: Runtime, baselineId: string, b: Baseline): Runtime {
  const swap = <T>(rec: Record<string, T>, recorded: T | null): Record<string, T> => {
    const out = { ...rec };
    delete out[baselineId];
    if (recorded) out[baselineId] = recorded;
    return out;
  };
  return {
    scale: (...a) => runtime.scale(...a),
    list: (...a) => runtime.list(...a),
    probe: (...a) => runtime.probe(...a),
    setRoutes: (...a) => runtime.setRoutes(...a),
    getRoutes: (...a) => runtime.getRoutes(...a),
    traffic: async (service, from, to) => swap<VersionTraffic>(await runtime.traffic(service, from, to), b.traffic),
    ...(runtime.latency ? { latency: async (service: string, from: number, to: number) => swap<VersionLatency>(await runtime.latency!(service, from, to), b.latency) } : {}),
  };
}

async function readBaseline(ctx: StepContext, windowSeconds: number): Promise<Baseline> {
  const { d } = ctx;
  const to = d.startedAt ?? ctx.now;
  const from = to - windowSeconds * 1000;
  const old = d.fromVersion!.id;
  const [traffic, latency] = await Promise.all([ctx.runtime.traffic(d.service.name, from, to), ctx.runtime.latency?.(d.service.name, from, to) ?? Promise.resolve(null)]);
  return { from, to, traffic: traffic[old] ?? null, latency: latency?.[old] ?? null };
}

export const verify: Executor<VerifyStep> = async (step, ctx) => {
  const { d } = ctx;
  const config = analysisConfigOf(d.plan, d.service.analysis);
  const startedAt = d.progress.stepStartedAt?.[String(ctx.index)];
  const old = d.fromVersion!;
  if (startedAt === undefined) {
    // A resumed window keeps the figures read the first time: the router may have forgotten them.
    const baseline = d.progress.verifyBaseline ?? (await readBaseline(ctx, step.windowSeconds));
    const resumed = d.progress.analysis?.cursor === ctx.index;
    return {
      kind: 'record',
      progress: { ...stepStarted(d.progress, ctx.index, ctx.now), verifyBaseline: baseline, analysis: { cursor: ctx.index, verdict: 'wait', reason: 'window started', at: ctx.now, breaches: {} } },
      events: [
        {
          type: 'analysis_started',
          message: `Post-promotion analysis of v${d.toVersion.semver} at 100% ${resumed ? 'resumed' : 'started'}: window ${step.windowSeconds} s against v${old.semver}'s figures from the ${step.windowSeconds} s before the deployment (${baseline.traffic?.requests ?? 0} requests), at least ${step.minSamples} requests each`,
          data: { ...step, postPromotion: true, metrics: config.metrics.map((m) => m.name), baselineRequests: baseline.traffic?.requests ?? 0, resumed },
        },
      ],
    };
  }
  const promote = d.control.promote;
  if (promote && promote.cursor === ctx.index) {
    return {
      kind: 'advance',
      actor: promote.actor,
      events: [{ type: 'promoted', message: `Post-promotion analysis skipped by ${promote.actor}`, data: { cursor: ctx.index } }],
      extra: (tx) => consumePromote(tx, d.id),
    };
  }
  const recorded = d.progress.verifyBaseline ?? { from: 0, to: 0, traffic: null, latency: null };
  const { samples, readings } = await measureAll(config, {
    service: d.service.name,
    canary: { versionId: d.toVersion.id, semver: d.toVersion.semver },
    baseline: { versionId: old.id, semver: old.semver },
    fromMs: startedAt,
    toMs: ctx.now,
    runtime: withRecordedBaseline(ctx.runtime, old.id, recorded),
  });
  const last = d.progress.analysis;
  const priorBreaches = last?.cursor === ctx.index ? last.breaches : {};
  const decision = evaluateAnalysis({ startedAt, now: ctx.now, windowSeconds: step.windowSeconds, minSamples: step.minSamples, samples, config, readings, priorBreaches });
  const breaches = Object.fromEntries(decision.metrics.map((m) => [m.name, m.breached ? (priorBreaches[m.name] ?? 0) + 1 : 0]));
  const progress = { analysis: { cursor: ctx.index, verdict: decision.verdict, reason: decision.reason, at: ctx.now, breaches } };
  const extra = storeReadings(ctx, { canaryStep: -1, weight: 100 }, decision, samples);
  const data = { ...decisionData(decision), step, postPromotion: true };
  switch (decision.verdict) {
    case 'promote':
      return { kind: 'advance', progress, extra, events: [{ type: 'analysis_passed', message: `Post-promotion analysis passed: ${decision.reason}`, data }] };
    case 'abort': {
      const why = `post-promotion analysis failed: ${decision.reason}`;
      return {
        kind: 'fail',
        reason: why,
        markBad: true,
        progress,
        extra: async (tx) => {
          await extra(tx);
          await enqueueWebhooks(tx, ctx, config, decision, `${d.service.name} v${d.toVersion.semver} failed its post-promotion analysis and was rolled back to v${old.semver} at once: ${decision.reason}`, true);
        },
        events: [{ type: 'analysis_failed', message: `Post-promotion analysis failed: ${decision.reason}. v${old.semver} is still warm: traffic goes back at once`, data }],
      };
    }
    case 'inconclusive':
      return {
        kind: 'pause',
        phase: 'inconclusive: waiting for a person',
        progress,
        extra,
        events: [{ type: 'analysis_inconclusive', message: `Post-promotion analysis inconclusive, paused for a person (resume for a new window, promote, or abort): ${decision.reason}`, data }],
      };
    default: {
      const interval = config.intervalSeconds !== undefined ? config.intervalSeconds * 1000 : ctx.analysisIntervalMs;
      return { kind: 'record', progress, extra, events: [], waitMs: Math.max(1, Math.min(interval, decision.remainingSeconds * 1000 || interval)) };
    }
  }
};
