/**
 * Canary: move traffic to the new version in steps of weight (e.g. 10 → 25 → 50 → 100 %),
 * each held for an analysis window. A step is promoted only on evidence (full window, enough
 * samples in both cohorts, no failed metric) and aborted as soon as harm is significant.
 */
import { DEFAULTS } from './types';
import type { CanaryDecision, CanaryParams, CanaryStepSpec, CohortCounts, InstanceRef, Plan, PlanInput, Step } from './types';
import { twoProportionZTest } from './stats';
import { asParamsObject, assertKnownKeys, assertReplicas, hookSteps, invalid, isFiniteNumber, isInteger, range, show } from './validate';

export const CANARY_PARAM_KEYS = ['steps', 'windowSeconds', 'minSamples', 'maxErrorRate'] as const;
const STEP_SPEC_KEYS = ['weight', 'windowSeconds', 'minSamples'] as const;

/** Absolute ceiling on the canary's error rate once its window is complete. */
export const CANARY_MAX_ERROR_RATE = 0.05;
/** Significance level of the one-sided test "canary errs more than baseline". */
export const CANARY_ALPHA = 0.001;
/**
 * A significant difference must also matter: the canary's error rate has to exceed the
 * baseline's by more than this (1 percentage point) before we abort on significance alone.
 * Huge cohorts make 0.11 % vs 0.10 % "significant"; that is not worth an abort.
 */
export const CANARY_PRACTICAL_MARGIN = 0.01;
/**
 * Before the cohorts reach minSamples, the normal approximation behind the z-test is shaky: one
 * error in the first canary request against a clean baseline already gives z ≈ 30. An early
 * abort therefore also needs at least this many canary errors.
 */
export const CANARY_EARLY_ABORT_MIN_ERRORS = 5;

export type NormalizedCanaryStep = { weight: number; windowSeconds: number; minSamples: number };

export interface NormalizedCanaryParams extends CanaryParams {
  steps: NormalizedCanaryStep[];
  windowSeconds: number;
  minSamples: number;
  maxErrorRate: number;
}

function checkWindow(where: string, value: unknown): number {
  if (!isFiniteNumber(value) || value <= 0) {
    invalid(`${where}windowSeconds must be a number > 0, got ${show(value)}`, { field: 'windowSeconds', value });
  }
  return value;
}

function checkMinSamples(where: string, value: unknown): number {
  if (!isInteger(value) || value < 1) {
    invalid(`${where}minSamples must be an integer ≥ 1, got ${show(value)}`, { field: 'minSamples', value });
  }
  return value;
}

function checkMaxErrorRate(value: unknown): number {
  if (!isFiniteNumber(value) || value <= 0 || value > 1) {
    invalid(`canary maxErrorRate must be in (0, 1], got ${show(value)}`, { field: 'maxErrorRate', value });
  }
  return value;
}

/**
 * The canary steps with every default applied: weights are integers 1..100, strictly
 * increasing, and end at 100 (a final 100 % step is appended when missing).
 */
export function normalizeCanarySteps(p: CanaryParams): NormalizedCanaryStep[] {
  const windowSeconds = checkWindow('canary ', p.windowSeconds ?? DEFAULTS.canaryWindowSeconds);
  const minSamples = checkMinSamples('canary ', p.minSamples ?? DEFAULTS.canaryMinSamples);
  const raw: unknown = p.steps ?? DEFAULTS.canarySteps;
  if (!Array.isArray(raw) || raw.length === 0) {
    invalid(`canary steps must be a non-empty list of weights, got ${show(raw)}`, { field: 'steps', value: raw });
  }

  const out: NormalizedCanaryStep[] = [];
  raw.forEach((entry: unknown, i: number) => {
    const where = `canary step ${i + 1} `;
    let spec: CanaryStepSpec;
    if (typeof entry === 'number') {
      spec = { weight: entry };
    } else if (entry !== null && typeof entry === 'object' && !Array.isArray(entry)) {
      const obj = asParamsObject(`canary step ${i + 1}`, entry);
      assertKnownKeys(`canary step ${i + 1}`, obj, STEP_SPEC_KEYS);
      spec = obj as unknown as CanaryStepSpec;
    } else {
      invalid(`${where}must be a weight or {weight, windowSeconds?, minSamples?}, got ${show(entry)}`, { step: i, value: entry });
    }

    const w: unknown = spec.weight;
    if (!isFiniteNumber(w)) invalid(`${where}needs a numeric weight, got ${show(w)}`, { step: i, value: w });
    if (!Number.isInteger(w)) invalid(`canary weight ${w} is not a whole percentage`, { step: i, weight: w });
    if (w < 1) invalid(`canary weight ${w} is below 1`, { step: i, weight: w });
    if (w > 100) invalid(`canary weight ${w} is over 100`, { step: i, weight: w });
    const previous = out[out.length - 1];
    if (previous && w <= previous.weight) {
      invalid(`canary weights must be strictly increasing: ${w} follows ${previous.weight}`, {
        step: i,
        weight: w,
        previous: previous.weight,
      });
    }
    out.push({
      weight: w,
      windowSeconds: spec.windowSeconds === undefined ? windowSeconds : checkWindow(where, spec.windowSeconds),
      minSamples: spec.minSamples === undefined ? minSamples : checkMinSamples(where, spec.minSamples),
    });
  });

  const last = out[out.length - 1];
  if (last && last.weight < 100) out.push({ weight: 100, windowSeconds, minSamples });
  return out;
}

/** Validates raw canary params (unknown keys, types, ranges) and applies every default. */
export function validateCanaryParams(params: unknown): NormalizedCanaryParams {
  const obj = asParamsObject('canary', params);
  assertKnownKeys('canary', obj, CANARY_PARAM_KEYS);
  const p = obj as CanaryParams;
  const steps = normalizeCanarySteps(p);
  return {
    steps,
    windowSeconds: p.windowSeconds ?? DEFAULTS.canaryWindowSeconds,
    minSamples: p.minSamples ?? DEFAULTS.canaryMinSamples,
    maxErrorRate: checkMaxErrorRate(p.maxErrorRate ?? CANARY_MAX_ERROR_RATE),
  };
}

/** New instances needed to carry `weight` % of traffic: at least one, at most all. */
export function canaryInstanceCount(replicas: number, weight: number): number {
  assertReplicas(replicas);
  // replicas * weight is an integer, so the division is exact whenever the result is whole.
  return Math.min(replicas, Math.max(1, Math.ceil((replicas * weight) / 100)));
}

export function planCanary(input: PlanInput): Plan {
  assertReplicas(input.replicas);
  const params = validateCanaryParams(input.params);
  const { replicas } = input;
  const newRefs = (slots: number[]): InstanceRef[] => slots.map((slot) => ({ role: 'new', slot }));
  const steps: Step[] = [...hookSteps(input.hooks, 'pre')];

  if (!input.hasOld) {
    // First deployment: there is no stable version to compare with, so analysis is meaningless.
    const all = newRefs(range(replicas));
    steps.push({ kind: 'start', instances: all }, { kind: 'await_ready', instances: all });
    steps.push({ kind: 'route', route: { mode: 'weights', newWeight: 100 } });
    steps.push(...hookSteps(input.hooks, 'post'));
    return { strategy: 'canary', params, replicas, steps, weights: [100] };
  }

  let started = 0;
  params.steps.forEach((step, i) => {
    const needed = canaryInstanceCount(replicas, step.weight);
    if (needed > started) {
      const more = newRefs(range(needed, started));
      steps.push({ kind: 'start', instances: more }, { kind: 'await_ready', instances: more });
      started = needed;
    }
    steps.push({ kind: 'route', route: { mode: 'weights', newWeight: step.weight } });
    if (step.weight < 100) {
      steps.push({
        kind: 'analysis',
        canaryStep: i,
        weight: step.weight,
        windowSeconds: step.windowSeconds,
        minSamples: step.minSamples,
      });
    }
  });
  steps.push(...hookSteps(input.hooks, 'post'));
  steps.push({ kind: 'drain_stop', instances: range(replicas).map((slot) => ({ role: 'old', slot })) });
  return { strategy: 'canary', params, replicas, steps, weights: params.steps.map((s) => s.weight) };
}

// ------------------------------------------------------------------ analysis

/** 0.052 → "5.2%", 0.001 → "0.1%", 0.00125 → "0.13%". */
export function formatRate(rate: number | null): string {
  return rate === null ? 'n/a' : `${Number((rate * 100).toFixed(2))}%`;
}

/** 3.1e-12 → "3e-12", 0.2134 → "0.21"; an underflowed 0 → "<1e-300". */
export function formatPValue(p: number | null): string {
  if (p === null) return 'n/a';
  if (p === 0) return '<1e-300';
  if (p < 0.001) return p.toExponential(0);
  return String(Number(p.toPrecision(2)));
}

function checkCohort(name: string, c: CohortCounts): void {
  if (!isInteger(c.requests) || c.requests < 0 || !isInteger(c.errors) || c.errors < 0 || c.errors > c.requests) {
    invalid(`${name} counts must be integers with 0 ≤ errors ≤ requests, got ${show(c)}`, { cohort: name, counts: c });
  }
}

/**
 * Decide one canary analysis step on error counts alone.
 *
 * @deprecated The orchestrator decides with `evaluateAnalysis` (analysis.ts): several metrics
 * from providers, an exact test for rare errors, latency by Mann–Whitney U. Kept for callers
 * that only have counts (it uses the two-proportion z-test, which over-trusts rare errors).
 *
 *  - abort   — any time, when the canary is significantly worse (one-sided two-proportion
 *              z-test, p < alpha) AND worse by more than CANARY_PRACTICAL_MARGIN; before the
 *              cohorts reach minSamples this also needs CANARY_EARLY_ABORT_MIN_ERRORS errors.
 *              Also once the window is complete with enough samples, when the canary's error
 *              rate exceeds maxErrorRate.
 *  - promote — ONLY when the whole window has elapsed, both cohorts have ≥ minSamples requests
 *              and nothing above failed.
 *  - inconclusive — the window has elapsed but a cohort is short of minSamples: never promote
 *              on missing data, a person decides.
 *  - wait    — otherwise.
 */
export function evaluateCanaryStep(input: {
  startedAt: number;
  now: number;
  windowSeconds: number;
  minSamples: number;
  canary: CohortCounts;
  baseline: CohortCounts;
  maxErrorRate?: number;
  alpha?: number;
}): CanaryDecision {
  const { canary, baseline, minSamples } = input;
  const windowSeconds = checkWindow('canary ', input.windowSeconds);
  checkMinSamples('canary ', minSamples);
  checkCohort('canary', canary);
  checkCohort('baseline', baseline);
  const maxErrorRate = checkMaxErrorRate(input.maxErrorRate ?? CANARY_MAX_ERROR_RATE);
  const alpha = input.alpha ?? CANARY_ALPHA;
  if (!isFiniteNumber(alpha) || alpha <= 0 || alpha >= 1) {
    invalid(`canary alpha must be in (0, 1), got ${show(alpha)}`, { field: 'alpha', value: alpha });
  }

  const elapsedSeconds = Math.max(0, input.now - input.startedAt) / 1000;
  const windowElapsed = elapsedSeconds >= windowSeconds;
  const remainingSeconds = Math.max(0, Math.ceil(windowSeconds - elapsedSeconds));
  const canaryErrorRate = canary.requests > 0 ? canary.errors / canary.requests : null;
  const baselineErrorRate = baseline.requests > 0 ? baseline.errors / baseline.requests : null;
  const pValue =
    canary.requests > 0 && baseline.requests > 0
      ? twoProportionZTest(canary.errors, canary.requests, baseline.errors, baseline.requests).pValue
      : null;
  const enoughSamples = canary.requests >= minSamples && baseline.requests >= minSamples;

  const decide = (verdict: CanaryDecision['verdict'], reason: string): CanaryDecision => ({
    verdict,
    reason,
    remainingSeconds,
    canaryErrorRate,
    baselineErrorRate,
    pValue,
  });
  const comparison = `canary error rate ${formatRate(canaryErrorRate)} vs baseline ${formatRate(baselineErrorRate)} (n=${
    canary.requests
  } vs ${baseline.requests})`;
  const window = `${Number(windowSeconds.toFixed(3))} s window`;

  // (b) harm: significant and material. Checked first: it may end the step at any moment.
  const significant = pValue !== null && pValue < alpha;
  const material =
    canaryErrorRate !== null && baselineErrorRate !== null && canaryErrorRate > baselineErrorRate + CANARY_PRACTICAL_MARGIN;
  const trustworthy = enoughSamples || canary.errors >= CANARY_EARLY_ABORT_MIN_ERRORS;
  if (significant && material && trustworthy) {
    const when = windowElapsed ? '' : `; aborting with ${remainingSeconds} s of the ${window} left`;
    return decide('abort', `${comparison}, p=${formatPValue(pValue)} < ${alpha}${when}`);
  }

  if (windowElapsed && enoughSamples) {
    if (canaryErrorRate !== null && canaryErrorRate > maxErrorRate) {
      return decide(
        'abort',
        `${comparison}: the canary exceeds the ${formatRate(maxErrorRate)} error-rate ceiling, p=${formatPValue(pValue)}`,
      );
    }
    // (a) the only path to promote.
    return decide(
      'promote',
      `${comparison}, p=${formatPValue(pValue)} ≥ ${alpha}, within the ${formatRate(
        maxErrorRate,
      )} ceiling; the ${window} has elapsed and both cohorts have ≥ ${minSamples} requests`,
    );
  }

  const shortfall = [
    canary.requests < minSamples ? `canary n=${canary.requests} of ${minSamples}` : null,
    baseline.requests < minSamples ? `baseline n=${baseline.requests} of ${minSamples}` : null,
  ].filter((s): s is string => s !== null);

  if (windowElapsed) {
    // (c) deadline reached without the data to decide.
    return decide(
      'inconclusive',
      `the ${window} has elapsed with too few requests (${shortfall.join(', ')} required); not promoting on missing data — ${comparison}`,
    );
  }

  // (d)
  const samples = shortfall.length > 0 ? `; still short of samples: ${shortfall.join(', ')}` : `; both cohorts have ≥ ${minSamples} requests`;
  const p = pValue === null ? '' : `, p=${formatPValue(pValue)}`;
  return decide('wait', `${remainingSeconds} s of the ${window} remaining; ${comparison}${p}${samples}`);
}
