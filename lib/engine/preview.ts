/**
 * Plan preview (dry run): what a plan will do, step by step, in words; where the traffic is
 * after each step; how long each step should take; the downtime to expect; and the preflight
 * results — all without acting.
 */
import type { HealthPolicy, Hooks, Plan, RouteSpec, Step } from './types';
import { describeSteps } from './describe';
import { readinessSeconds } from './health';
import { invalid, isFiniteNumber, show } from './validate';

/** Upper bound assumed for a hook that declares no timeoutSeconds. */
export const HOOK_TIMEOUT_DEFAULT_SECONDS = 300;

export interface SecondsRange {
  min: number;
  max: number;
}

/** Share of requests going to each version. `serving: false` means nothing is in rotation. */
export interface Traffic {
  newPercent: number;
  oldPercent: number;
  serving: boolean;
}

export interface PreviewStep {
  /** 1-based position in the plan. */
  index: number;
  step: Step;
  /** e.g. "Batch 2/3: start new instance slot 1". */
  description: string;
  /** Rolling only: the 1-based batch this step belongs to. */
  batch?: number;
  /** Traffic once this step has completed. */
  traffic: Traffic;
  /** Expected duration of this step. */
  seconds: SecondsRange;
  /** Expected time from the start of the deployment to the end of this step. */
  cumulativeSeconds: SecondsRange;
  /** The duration in words, with its basis, e.g. "≈5 s, up to 75 s (60 s grace + 3 probes × 5 s)". */
  timing: string;
  /** A hold: the deployment waits for a person here (not included in the times). */
  waitsForHuman: boolean;
}

export interface PreviewDependency {
  service: string;
  liveVersion: string | null;
}

export interface PreviewLease {
  holder: string;
  deploymentId: string;
  expiresAt: number;
}

export interface Preflight {
  /** False when anything in `problems` would refuse the deployment. */
  ok: boolean;
  problems: string[];
  /** Worth knowing, but not a refusal (e.g. a dependency with no live version). */
  warnings: string[];
  missingConfigKeys: string[];
  dependencies: PreviewDependency[];
  lease: PreviewLease | null;
}

export interface Preview {
  strategy: Plan['strategy'];
  replicas: number;
  params: Plan['params'];
  batches?: number[][];
  weights?: number[];
  /** Traffic before the first step (old version at 100 %, or nothing for a first deploy). */
  initialTraffic: Traffic;
  steps: PreviewStep[];
  totalSeconds: SecondsRange;
  /** Time during which no instance serves, after something was serving (recreate). */
  expectedDowntimeSeconds: SecondsRange;
  waitsForHuman: boolean;
  summary: string;
  preflight: Preflight;
}

export interface PreviewContext {
  health: HealthPolicy;
  drainSeconds: number;
  missingConfigKeys: string[];
  dependencies: PreviewDependency[];
  lease: PreviewLease | null;
  /** Optional: lets hook steps use each hook's own timeoutSeconds as their upper bound. */
  hooks?: Hooks;
}

function plural(n: number, one: string, many = `${one}s`): string {
  return n === 1 ? one : many;
}

// ------------------------------------------------------------------ traffic

function percent(part: number, whole: number): number {
  return Math.round((part / whole) * 1000) / 10; // one decimal
}

function trafficOf(route: RouteSpec): Traffic {
  if (route.mode === 'weights') {
    return { newPercent: route.newWeight, oldPercent: 100 - route.newWeight, serving: true };
  }
  const total = route.old.length + route.new.length;
  if (total === 0) return { newPercent: 0, oldPercent: 0, serving: false };
  // Instances mode: each instance in rotation takes an equal share.
  return { newPercent: percent(route.new.length, total), oldPercent: percent(route.old.length, total), serving: true };
}

/**
 * Whether the old version is live when the plan starts. Plans do not carry `hasOld`, but every
 * planner retires the old instances when there are any, so a plan that never touches an old
 * instance is a first deployment.
 */
function planHasOld(plan: Plan): boolean {
  return plan.steps.some((s) => (s.kind === 'drain_stop' || s.kind === 'keep_warm') && s.instances.some((i) => i.role === 'old'));
}

const HOOK_LISTS = { pre: 'pre', post: 'post', pre_rollback: 'preRollback', post_rollback: 'postRollback' } as const;

/** The hook a hook step runs, when the context or the plan declares it (its timeout bounds the step). */
function hookOf(step: Extract<Step, { kind: 'hook' }>, plan: Plan, ctx: PreviewContext) {
  if (step.phase === 'migration_down') return plan.migrationDowns?.[step.index]?.hook;
  return ctx.hooks?.[HOOK_LISTS[step.phase]]?.[step.index];
}

// ------------------------------------------------------------------ timing

function timingOf(
  step: Step,
  plan: Plan,
  ctx: PreviewContext,
): { seconds: SecondsRange; timing: string; waitsForHuman: boolean } {
  const fixed = (s: number, timing: string) => ({ seconds: { min: s, max: s }, timing, waitsForHuman: false });
  switch (step.kind) {
    case 'hook': {
      const declared = hookOf(step, plan, ctx)?.timeoutSeconds;
      const timeout = declared ?? HOOK_TIMEOUT_DEFAULT_SECONDS;
      return {
        seconds: { min: 0, max: timeout },
        timing: `up to ${timeout} s (${declared === undefined ? 'default hook timeout' : 'its timeout'})`,
        waitsForHuman: false,
      };
    }
    case 'start':
      return fixed(0, 'immediate');
    case 'route':
      return fixed(0, 'immediate: one atomic routing change');
    case 'await_ready': {
      const r = readinessSeconds(ctx.health);
      const h = ctx.health;
      const probes = h.unhealthyThreshold - 1 + h.healthyThreshold;
      return {
        seconds: r,
        timing: `≈${r.min} s (${h.healthyThreshold} ${plural(h.healthyThreshold, 'probe')} × ${h.intervalSeconds} s), up to ${
          r.max
        } s (${h.gracePeriodSeconds} s grace + ${probes} ${plural(probes, 'probe')} × ${h.intervalSeconds} s)`,
        waitsForHuman: false,
      };
    }
    case 'drain_stop':
      return fixed(ctx.drainSeconds, `≈${ctx.drainSeconds} s to drain`);
    case 'analysis':
      return fixed(step.windowSeconds, `at least ${step.windowSeconds} s (the analysis window; longer if samples are short)`);
    case 'delay':
      return fixed(step.seconds, `${step.seconds} s`);
    case 'hold':
      return { seconds: { min: 0, max: 0 }, timing: 'until someone promotes (not counted)', waitsForHuman: true };
    case 'keep_warm':
      return fixed(0, `immediate; the warm instances stop ${step.seconds / 60} min after the deployment ends`);
    case 'verify':
      return fixed(step.windowSeconds, `at least ${step.windowSeconds} s (the post-promotion window; longer if samples are short)`);
  }
}

// ------------------------------------------------------------------ preflight

function preflightOf(ctx: PreviewContext): Preflight {
  const problems: string[] = [];
  const warnings: string[] = [];
  const missing = [...ctx.missingConfigKeys].sort();
  if (missing.length > 0) {
    problems.push(`missing required config ${plural(missing.length, 'key')}: ${missing.join(', ')}`);
  }
  if (ctx.lease) {
    problems.push(
      `deployment ${ctx.lease.deploymentId} (${ctx.lease.holder}) holds the lease on this service until ${new Date(
        ctx.lease.expiresAt,
      ).toISOString()}`,
    );
  }
  for (const dep of ctx.dependencies) {
    if (dep.liveVersion === null) warnings.push(`dependency ${dep.service} has no live version`);
  }
  return {
    ok: problems.length === 0,
    problems,
    warnings,
    missingConfigKeys: missing,
    dependencies: ctx.dependencies.map((d) => ({ ...d })),
    lease: ctx.lease ? { ...ctx.lease } : null,
  };
}

// ------------------------------------------------------------------ preview

export function previewPlan(plan: Plan, ctx: PreviewContext): Preview {
  if (!isFiniteNumber(ctx.drainSeconds) || ctx.drainSeconds < 0) {
    invalid(`drainSeconds must be a number ≥ 0, got ${show(ctx.drainSeconds)}`, { field: 'drainSeconds', value: ctx.drainSeconds });
  }
  const hasOld = planHasOld(plan);
  const initialTraffic: Traffic = hasOld
    ? { newPercent: 0, oldPercent: 100, serving: true }
    : { newPercent: 0, oldPercent: 0, serving: false };
  const descriptions = describeSteps(plan);

  let traffic = initialTraffic;
  let everServed = initialTraffic.serving;
  const cumulative: SecondsRange = { min: 0, max: 0 };
  const downtime: SecondsRange = { min: 0, max: 0 };
  const steps: PreviewStep[] = plan.steps.map((step, i) => {
    const { seconds, timing, waitsForHuman } = timingOf(step, plan, ctx);
    // Time spent while nothing serves (after something had served) is downtime.
    if (!traffic.serving && everServed) {
      downtime.min += seconds.min;
      downtime.max += seconds.max;
    }
    if (step.kind === 'route') traffic = trafficOf(step.route);
    everServed ||= traffic.serving;
    cumulative.min += seconds.min;
    cumulative.max += seconds.max;

    const { text, batch } = descriptions[i]!;
    return {
      index: i + 1,
      step,
      description: text,
      ...(batch === undefined ? {} : { batch }),
      traffic: { ...traffic },
      seconds,
      cumulativeSeconds: { ...cumulative },
      timing,
      waitsForHuman,
    };
  });

  const waitsForHuman = steps.some((s) => s.waitsForHuman);
  const parts = [
    `${plan.strategy} of ${plan.replicas} ${plural(plan.replicas, 'replica')}`,
    `${steps.length} ${plural(steps.length, 'step')}`,
    `about ${cumulative.min} s, up to ${cumulative.max} s${waitsForHuman ? ' plus a manual promotion' : ''}`,
    downtime.max > 0 ? `expected downtime ${downtime.min}–${downtime.max} s` : 'no downtime expected',
  ];
  return {
    strategy: plan.strategy,
    replicas: plan.replicas,
    params: plan.params,
    ...(plan.batches ? { batches: plan.batches } : {}),
    ...(plan.weights ? { weights: plan.weights } : {}),
    initialTraffic,
    steps,
    totalSeconds: { ...cumulative },
    expectedDowntimeSeconds: downtime,
    waitsForHuman,
    summary: parts.join('; '),
    preflight: preflightOf(ctx),
  };
}
