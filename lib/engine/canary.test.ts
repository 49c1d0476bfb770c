import { describe, expect, it } from 'vitest';
import {
  canaryInstanceCount,
  evaluateCanaryStep,
  formatPValue,
  formatRate,
  normalizeCanarySteps,
  planCanary,
  validateCanaryParams,
} from './canary';
import type { CanaryParams, CohortCounts, PlanInput, Step } from './types';
import { expectAppError, kinds, NO_HOOKS, simulate, TWO_HOOKS } from './test-utils';

describe('normalizeCanarySteps', () => {
  const s = (weight: number, windowSeconds = 300, minSamples = 100) => ({ weight, windowSeconds, minSamples });
  it.each<[CanaryParams, ReturnType<typeof s>[]]>([
    [{}, [s(10), s(25), s(50), s(100)]], // DEFAULTS.canarySteps
    [{ steps: [100] }, [s(100)]],
    [{ steps: [5, 50] }, [s(5), s(50), s(100)]], // final 100 appended
    [{ steps: [1, 99] }, [s(1), s(99), s(100)]],
    [{ steps: [20], windowSeconds: 60, minSamples: 500 }, [s(20, 60, 500), s(100, 60, 500)]],
    [
      { steps: [{ weight: 10, windowSeconds: 600 }, 30, { weight: 100, minSamples: 7 }] },
      [s(10, 600), s(30), s(100, 300, 7)],
    ],
  ])('%j → %j', (params, expected) => {
    expect(normalizeCanarySteps(params)).toEqual(expected);
  });

  it.each<[unknown, string]>([
    [{ steps: [10, 10] }, 'canary weights must be strictly increasing: 10 follows 10'],
    [{ steps: [25, 50, 50] }, 'canary weights must be strictly increasing: 50 follows 50'],
    [{ steps: [50, 10] }, 'canary weights must be strictly increasing: 10 follows 50'],
    [{ steps: [10, 120] }, 'canary weight 120 is over 100'],
    [{ steps: [0, 50] }, 'canary weight 0 is below 1'],
    [{ steps: [-5] }, 'canary weight -5 is below 1'],
    [{ steps: [12.5] }, 'canary weight 12.5 is not a whole percentage'],
    [{ steps: [] }, 'canary steps must be a non-empty list of weights, got []'],
    [{ steps: '10,20' }, 'canary steps must be a non-empty list'],
    [{ steps: [10, '20'] }, 'canary step 2 must be a weight'],
    [{ steps: [{ windowSeconds: 5 }] }, 'canary step 1 needs a numeric weight, got undefined'],
    [{ steps: [{ weight: 10, window: 5 }] }, 'unknown canary step 1 parameter: window'],
    [{ steps: [{ weight: 10, windowSeconds: 0 }] }, 'canary step 1 windowSeconds must be a number > 0, got 0'],
    [{ steps: [{ weight: 10, minSamples: 1.5 }] }, 'canary step 1 minSamples must be an integer ≥ 1, got 1.5'],
    [{ windowSeconds: -300 }, 'canary windowSeconds must be a number > 0, got -300'],
    [{ minSamples: 0 }, 'canary minSamples must be an integer ≥ 1, got 0'],
  ])('%j → invalid: %s', (params, message) => {
    expectAppError(() => normalizeCanarySteps(params as CanaryParams), 'invalid', message);
  });
});

describe('validateCanaryParams', () => {
  it('applies every default', () => {
    expect(validateCanaryParams(undefined)).toEqual({
      steps: [10, 25, 50, 100].map((weight) => ({ weight, windowSeconds: 300, minSamples: 100 })),
      windowSeconds: 300,
      minSamples: 100,
      maxErrorRate: 0.05,
    });
  });

  it.each<[unknown, string]>([
    [{ maxErrorRate: 0 }, 'canary maxErrorRate must be in (0, 1], got 0'],
    [{ maxErrorRate: 1.5 }, 'canary maxErrorRate must be in (0, 1], got 1.5'],
    [{ previewHold: true }, 'unknown canary parameter: previewHold'],
  ])('%j → invalid: %s', (params, message) => {
    expectAppError(() => validateCanaryParams(params), 'invalid', message);
  });

  it('accepts maxErrorRate 1', () => {
    expect(validateCanaryParams({ maxErrorRate: 1 }).maxErrorRate).toBe(1);
  });
});

describe('canaryInstanceCount', () => {
  it.each([
    [10, 10, 1],
    [10, 25, 3], // 2.5 rounds up
    [10, 100, 10],
    [3, 10, 1], // at least one
    [3, 34, 2],
    [3, 50, 2],
    [3, 100, 3],
    [1, 1, 1],
    [4, 25, 1],
    [4, 26, 2],
    [200, 1, 2],
    [7, 100, 7], // capped at replicas
  ])('%i replicas at %i%% → %i instances', (replicas, weight, expected) => {
    expect(canaryInstanceCount(replicas, weight)).toBe(expected);
  });
});

describe('planCanary', () => {
  const input = (over: Partial<PlanInput>): PlanInput => ({
    strategy: 'canary',
    params: {},
    replicas: 4,
    hasOld: true,
    hooks: NO_HOOKS,
    ...over,
  });
  const n = (slots: number[]) => slots.map((slot) => ({ role: 'new' as const, slot }));
  const analysis = (canaryStep: number, weight: number) => ({
    kind: 'analysis' as const,
    canaryStep,
    weight,
    windowSeconds: 300,
    minSamples: 100,
  });

  it('default steps on 4 replicas: instances grow with the weight, analysis below 100 %', () => {
    const plan = planCanary(input({ hooks: TWO_HOOKS }));
    const expected: Step[] = [
      { kind: 'hook', phase: 'pre', index: 0, name: 'migrate-db' },
      { kind: 'hook', phase: 'pre', index: 1, name: 'warm-cache' },
      { kind: 'start', instances: n([0]) }, // 10 % of 4 → 1
      { kind: 'await_ready', instances: n([0]) },
      { kind: 'route', route: { mode: 'weights', newWeight: 10 } },
      analysis(0, 10),
      // 25 % of 4 → 1: nothing more to start
      { kind: 'route', route: { mode: 'weights', newWeight: 25 } },
      analysis(1, 25),
      { kind: 'start', instances: n([1]) }, // 50 % → 2
      { kind: 'await_ready', instances: n([1]) },
      { kind: 'route', route: { mode: 'weights', newWeight: 50 } },
      analysis(2, 50),
      { kind: 'start', instances: n([2, 3]) },
      { kind: 'await_ready', instances: n([2, 3]) },
      { kind: 'route', route: { mode: 'weights', newWeight: 100 } },
      { kind: 'hook', phase: 'post', index: 0, name: 'smoke-test' },
      { kind: 'drain_stop', instances: [0, 1, 2, 3].map((slot) => ({ role: 'old' as const, slot })) },
    ];
    expect(plan.steps).toEqual(expected);
    expect(plan.weights).toEqual([10, 25, 50, 100]);
    simulate(plan, true);
  });

  it('steps [100]: straight to 100 %, no analysis', () => {
    const plan = planCanary(input({ params: { steps: [100] } }));
    expect(kinds(plan.steps)).toEqual(['start', 'await_ready', 'route', 'drain_stop']);
    expect(plan.steps[2]).toEqual({ kind: 'route', route: { mode: 'weights', newWeight: 100 } });
    expect(plan.weights).toEqual([100]);
  });

  it('first deploy: no stable version to compare with, so no analysis and one route to 100 %', () => {
    const plan = planCanary(input({ hasOld: false, hooks: TWO_HOOKS }));
    expect(kinds(plan.steps)).toEqual(['hook', 'hook', 'start', 'await_ready', 'route', 'hook']);
    expect(plan.steps.filter((s) => s.kind === 'route')).toEqual([
      { kind: 'route', route: { mode: 'weights', newWeight: 100 } },
    ]);
    expect(plan.weights).toEqual([100]);
    simulate(plan, false);
  });

  it.each<[number, CanaryParams]>([
    [1, {}],
    [3, {}],
    [10, { steps: [1, 2, 3] }],
    [5, { steps: [{ weight: 20, windowSeconds: 60 }, 60] }],
    [2, { steps: [50, 100] }],
  ])('%i replicas %j: one analysis per step below 100 %, each slot started once', (replicas, params) => {
    const plan = planCanary(input({ replicas, params }));
    const weights = normalizeCanarySteps(params).map((s) => s.weight);
    const analyses = plan.steps.filter((s) => s.kind === 'analysis');
    expect(analyses.map((s) => (s.kind === 'analysis' ? [s.canaryStep, s.weight] : null))).toEqual(
      weights.filter((w) => w < 100).map((w, i) => [i, w]),
    );
    // Every analysis directly follows the route to its own weight.
    plan.steps.forEach((step, i) => {
      if (step.kind === 'analysis') {
        expect(plan.steps[i - 1]).toEqual({ kind: 'route', route: { mode: 'weights', newWeight: step.weight } });
      }
    });
    simulate(plan, true);
  });
});

describe('evaluateCanaryStep', () => {
  const c = (requests: number, errors: number): CohortCounts => ({ requests, errors });
  const at = (seconds: number) => ({ startedAt: 1_000_000, now: 1_000_000 + seconds * 1000 });
  const base = { windowSeconds: 300, minSamples: 100 };

  it.each<[string, number, CohortCounts, CohortCounts, string, number]>([
    // name, elapsed s, canary, baseline, verdict, remaining s
    ['early, little data', 60, c(20, 0), c(900, 1), 'wait', 240],
    ['early, plenty of data, healthy', 60, c(5000, 5), c(50000, 50), 'wait', 240],
    ['window done, healthy, enough samples', 300, c(812, 1), c(7310, 7), 'promote', 0],
    ['long after the window', 900, c(812, 1), c(7310, 7), 'promote', 0],
    ['early abort: 20% vs 0.1% at moderate samples', 60, c(150, 30), c(5000, 5), 'abort', 240],
    ['early abort even before minSamples', 30, c(50, 10), c(5000, 5), 'abort', 270],
    ['a single early error is not evidence', 10, c(1, 1), c(1000, 0), 'wait', 290],
    ['4 errors in 10 is not yet trusted before minSamples', 10, c(10, 4), c(1000, 0), 'wait', 290],
    ['inconclusive at deadline: few canary samples', 300, c(40, 0), c(5000, 5), 'inconclusive', 0],
    ['inconclusive at deadline: few baseline samples', 301, c(400, 0), c(99, 0), 'inconclusive', 0],
    ['inconclusive with no traffic at all', 600, c(0, 0), c(0, 0), 'inconclusive', 0],
    ['above the 5% ceiling once complete', 300, c(100, 6), c(100, 6), 'abort', 0],
    ['above the ceiling but window not done', 120, c(100, 6), c(100, 6), 'wait', 180],
    ['significantly but immaterially worse', 300, c(10_000_000, 15_000), c(10_000_000, 10_000), 'promote', 0],
    ['5.2% vs 0.1% at the deadline', 300, c(812, 42), c(7310, 7), 'abort', 0],
    ['canary better than baseline', 300, c(500, 0), c(5000, 100), 'promote', 0],
  ])('%s → %s', (_name, elapsed, canary, baseline, verdict, remaining) => {
    const d = evaluateCanaryStep({ ...base, ...at(elapsed), canary, baseline });
    expect(d.verdict).toBe(verdict);
    expect(d.remainingSeconds).toBe(remaining);
    expect(d.canaryErrorRate).toBe(canary.requests > 0 ? canary.errors / canary.requests : null);
    expect(d.baselineErrorRate).toBe(baseline.requests > 0 ? baseline.errors / baseline.requests : null);
  });

  it('never promotes before the window has fully elapsed, even with huge clean samples', () => {
    for (const elapsedMs of [0, 1, 5_000, 150_000, 299_000, 299_999]) {
      const d = evaluateCanaryStep({
        ...base,
        startedAt: 0,
        now: elapsedMs,
        canary: c(1_000_000, 0),
        baseline: c(10_000_000, 1000),
      });
      expect(d.verdict, `at ${elapsedMs} ms`).toBe('wait');
      expect(d.remainingSeconds).toBe(Math.ceil(300 - elapsedMs / 1000));
      expect(d.remainingSeconds).toBeGreaterThan(0);
    }
    // …and promotes at exactly the window.
    expect(evaluateCanaryStep({ ...base, startedAt: 0, now: 300_000, canary: c(1_000_000, 0), baseline: c(10_000_000, 1000) }).verdict).toBe(
      'promote',
    );
  });

  it('never promotes without minSamples in both cohorts, whatever the time', () => {
    for (const [canary, baseline] of [
      [c(99, 0), c(10_000, 1)],
      [c(10_000, 1), c(99, 0)],
      [c(0, 0), c(10_000, 1)],
    ] as const) {
      for (const elapsed of [300, 301, 10_000]) {
        const d = evaluateCanaryStep({ ...base, ...at(elapsed), canary, baseline });
        expect(d.verdict).toBe('inconclusive');
      }
    }
  });

  it('a clock that runs backwards (now < startedAt) is treated as no time elapsed', () => {
    const d = evaluateCanaryStep({ ...base, startedAt: 10_000, now: 0, canary: c(1000, 0), baseline: c(1000, 0) });
    expect(d).toMatchObject({ verdict: 'wait', remainingSeconds: 300 });
  });

  it.each<[number, number]>([
    [0.5, 300], // ceil(299.5)
    [1, 299],
    [299.001, 1],
    [300, 0],
  ])('elapsed %s s → %s s remaining', (elapsed, remaining) => {
    expect(evaluateCanaryStep({ ...base, ...at(elapsed), canary: c(0, 0), baseline: c(0, 0) }).remainingSeconds).toBe(remaining);
  });

  it('respects a custom maxErrorRate and alpha', () => {
    const args = { ...base, ...at(300), canary: c(1000, 30), baseline: c(1000, 25) };
    expect(evaluateCanaryStep(args).verdict).toBe('promote'); // 3% < 5%
    expect(evaluateCanaryStep({ ...args, maxErrorRate: 0.02 }).verdict).toBe('abort');
    // 6% vs 4%: p ≈ 0.02 — not significant at 0.001, significant at 0.05.
    const close = { ...base, ...at(60), canary: c(1000, 60), baseline: c(1000, 40) };
    expect(evaluateCanaryStep(close).verdict).toBe('wait');
    expect(evaluateCanaryStep({ ...close, alpha: 0.05 }).verdict).toBe('abort');
  });

  it('explains itself with the numbers', () => {
    const abort = evaluateCanaryStep({ ...base, ...at(300), canary: c(812, 42), baseline: c(7310, 7) });
    expect(abort.reason).toMatch(/^canary error rate 5\.17% vs baseline 0\.1% \(n=812 vs 7310\), p=1e-70 < 0\.001$/);
    expect(abort.pValue).toBeLessThan(1e-60);

    const early = evaluateCanaryStep({ ...base, ...at(60), canary: c(150, 30), baseline: c(5000, 5) });
    expect(early.reason).toMatch(/canary error rate 20% vs baseline 0\.1% \(n=150 vs 5000\), p=\de-\d+ < 0\.001; aborting with 240 s of the 300 s window left/);

    const wait = evaluateCanaryStep({ ...base, ...at(100), canary: c(40, 0), baseline: c(5000, 5) });
    expect(wait.reason).toMatch(/^200 s of the 300 s window remaining; .*still short of samples: canary n=40 of 100$/);

    const inconclusive = evaluateCanaryStep({ ...base, ...at(300), canary: c(40, 0), baseline: c(5000, 5) });
    expect(inconclusive.reason).toMatch(/300 s window has elapsed with too few requests \(canary n=40 of 100 required\)/);

    const ceiling = evaluateCanaryStep({ ...base, ...at(300), canary: c(100, 6), baseline: c(100, 6) });
    expect(ceiling.reason).toMatch(/canary error rate 6% .* exceeds the 5% error-rate ceiling/);

    const promote = evaluateCanaryStep({ ...base, ...at(300), canary: c(812, 1), baseline: c(7310, 7) });
    expect(promote.reason).toMatch(/canary error rate 0\.12% vs baseline 0\.1% \(n=812 vs 7310\), p=0\.41 ≥ 0\.001/);
  });

  it('pValue is null without data in a cohort', () => {
    const d = evaluateCanaryStep({ ...base, ...at(10), canary: c(0, 0), baseline: c(100, 1) });
    expect(d.pValue).toBeNull();
    expect(d.reason).toMatch(/canary error rate n\/a/);
  });

  it.each<[Partial<Parameters<typeof evaluateCanaryStep>[0]>, string]>([
    [{ canary: c(10, 11) }, 'canary counts must be integers with 0 ≤ errors ≤ requests'],
    [{ baseline: c(-1, 0) }, 'baseline counts must be integers'],
    [{ windowSeconds: 0 }, 'canary windowSeconds must be a number > 0, got 0'],
    [{ minSamples: 0 }, 'canary minSamples must be an integer ≥ 1, got 0'],
    [{ alpha: 0 }, 'canary alpha must be in (0, 1), got 0'],
    [{ maxErrorRate: 2 }, 'canary maxErrorRate must be in (0, 1], got 2'],
  ])('%j → invalid: %s', (over, message) => {
    expectAppError(
      () => evaluateCanaryStep({ ...base, ...at(10), canary: c(10, 0), baseline: c(10, 0), ...over }),
      'invalid',
      message,
    );
  });
});

describe('formatting', () => {
  it.each<[number | null, string]>([
    [0.052, '5.2%'],
    [0.001, '0.1%'],
    [0.00125, '0.13%'],
    [0.2, '20%'],
    [0, '0%'],
    [null, 'n/a'],
  ])('formatRate(%s) = %s', (rate, text) => {
    expect(formatRate(rate)).toBe(text);
  });

  it.each<[number | null, string]>([
    [3.1e-12, '3e-12'],
    [0.2134, '0.21'],
    [0.0012, '0.0012'],
    [0, '<1e-300'],
    [null, 'n/a'],
  ])('formatPValue(%s) = %s', (p, text) => {
    expect(formatPValue(p)).toBe(text);
  });
});
