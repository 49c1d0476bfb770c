import { describe, expect, it } from 'vitest';
import { canaryInstanceCount, normalizeCanarySteps, planCanary, validateCanaryParams } from './canary';
import type { CanaryParams, PlanInput, Step } from './types';
import { expectAppError, kinds, NO_HOOKS, simulate, TWO_HOOKS } from '../testing/engine';

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
