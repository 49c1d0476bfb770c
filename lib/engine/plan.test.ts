import { describe, expect, it } from 'vitest';
import { planBlueGreen } from './blue-green';
import { planCanary } from './canary';
import { planDeployment, validateStrategyParams } from './plan';
import { planRecreate } from './recreate';
import { planRolling } from './rolling';
import type { Plan, PlanInput, StrategyName, StrategyParams } from './types';
import { expectAppError, kinds, NO_HOOKS, simulate, TWO_HOOKS } from '../testing/engine';

const input = (over: Partial<PlanInput>): PlanInput => ({
  strategy: 'rolling',
  params: {},
  replicas: 3,
  hasOld: true,
  hooks: TWO_HOOKS,
  ...over,
});

describe('planDeployment', () => {
  it.each<[StrategyName, (i: PlanInput) => Plan, StrategyParams]>([
    ['rolling', planRolling, { batchSize: 2 }],
    ['blue-green', planBlueGreen, { previewHold: true }],
    ['canary', planCanary, { steps: [20, 60] }],
    ['recreate', planRecreate, {}],
  ])('dispatches %s to its planner', (strategy, planner, params) => {
    const i = input({ strategy, params });
    const plan = planDeployment(i);
    expect(plan).toEqual(planner(i));
    expect(plan.strategy).toBe(strategy);
  });

  // Every strategy, many shapes: the safety properties hold (see simulate in test-utils).
  const SHAPES: Array<[StrategyName, StrategyParams]> = [
    ['rolling', {}],
    ['rolling', { batchSize: 4 }],
    ['rolling', { maxSurge: '50%', maxUnavailable: '25%' }],
    ['rolling', { maxUnavailable: 1 }],
    ['blue-green', {}],
    ['blue-green', { previewHold: true, scaleDownDelaySeconds: 0 }],
    ['canary', {}],
    ['canary', { steps: [100] }],
    ['canary', { steps: [1, 33, 66] }],
    ['recreate', {}],
  ];
  const MATRIX = SHAPES.flatMap(([strategy, params]) =>
    [1, 2, 3, 5, 8].flatMap((replicas) => [true, false].map((hasOld) => [strategy, params, replicas, hasOld] as const)),
  );
  it.each(MATRIX)('%s %j × %i replicas, hasOld=%s: safe plan', (strategy, params, replicas, hasOld) => {
    const plan = planDeployment(input({ strategy, params, replicas, hasOld }));
    simulate(plan, hasOld);
    expect(plan.replicas).toBe(replicas);
  });

  it.each<[Partial<PlanInput>, string | RegExp]>([
    [{ replicas: 0 }, /^replicas must be an integer ≥ 1, got 0$/],
    [{ replicas: -3 }, 'replicas must be an integer ≥ 1, got -3'],
    [{ replicas: 1.5 }, 'replicas must be an integer ≥ 1, got 1.5'],
    [{ replicas: Number.NaN }, 'replicas must be an integer ≥ 1, got NaN'],
    [
      { strategy: 'linear' as StrategyName },
      'unknown strategy "linear"; valid strategies: rolling, blue-green, canary, recreate',
    ],
    [{ strategy: 'rolling', params: { batch: 2 } as StrategyParams }, 'unknown rolling parameter: batch'],
    [{ strategy: 'blue-green', params: { batchSize: 2, steps: [] } as StrategyParams }, 'unknown blue-green parameters: batchSize, steps'],
    [{ strategy: 'canary', params: { previewHold: true } as StrategyParams }, 'unknown canary parameter: previewHold'],
    [{ strategy: 'recreate', params: { batchSize: 1 } as StrategyParams }, 'unknown recreate parameter: batchSize'],
    [{ strategy: 'canary', params: { steps: [10, 10] } }, 'canary weights must be strictly increasing: 10 follows 10'],
    [{ kind: 'redeploy' as 'deploy' }, 'unknown deployment kind "redeploy"'],
  ])('%j → invalid: %s', (over, message) => {
    expectAppError(() => planDeployment(input(over)), 'invalid', message);
  });

  describe("kind 'rollback': a fast blue-green, whatever the strategy", () => {
    const STRATEGY_PARAMS: Array<[StrategyName, StrategyParams]> = [
      ['rolling', { batchSize: 1 }],
      ['blue-green', { previewHold: true, scaleDownDelaySeconds: 600 }],
      ['canary', {}],
      ['recreate', {}],
    ];
    it.each(STRATEGY_PARAMS)('%s %j: no hooks, holds, analysis or delays', (strategy, params) => {
      const plan = planDeployment(input({ strategy, params, kind: 'rollback', hooks: TWO_HOOKS }));
      const slots = [0, 1, 2];
      expect(plan.steps).toEqual([
        { kind: 'start', instances: slots.map((slot) => ({ role: 'new', slot })) },
        { kind: 'await_ready', instances: slots.map((slot) => ({ role: 'new', slot })) },
        { kind: 'route', route: { mode: 'weights', newWeight: 100 } },
        { kind: 'drain_stop', instances: slots.map((slot) => ({ role: 'old', slot })) },
      ]);
      expect(plan.strategy).toBe(strategy);
      simulate(plan, true);
    });

    it('without an old version there is nothing to stop', () => {
      const plan = planDeployment(input({ strategy: 'canary', kind: 'rollback', hasOld: false }));
      expect(kinds(plan.steps)).toEqual(['start', 'await_ready', 'route']);
    });

    it('still validates its input', () => {
      expectAppError(() => planDeployment(input({ kind: 'rollback', replicas: 0 })), 'invalid', 'replicas must be');
      expectAppError(
        () => planDeployment(input({ kind: 'rollback', strategy: 'rolling', params: { batchSize: 0 } })),
        'invalid',
        'batchSize must be an integer ≥ 1, got 0',
      );
    });
  });

  it('a deploy kind is the normal plan', () => {
    const normal = planDeployment(input({ strategy: 'blue-green', hooks: NO_HOOKS }));
    expect(planDeployment(input({ strategy: 'blue-green', hooks: NO_HOOKS, kind: 'deploy' }))).toEqual(normal);
  });
});

describe('validateStrategyParams', () => {
  it.each<[string, unknown, StrategyParams]>([
    ['rolling', undefined, { batchSize: 1 }],
    ['rolling', { maxSurge: '25%' }, { maxSurge: '25%', maxUnavailable: 0 }],
    ['blue-green', null, { previewHold: false, scaleDownDelaySeconds: 30 }],
    ['recreate', {}, {}],
    ['canary', { steps: [50], windowSeconds: 60 }, {
      steps: [
        { weight: 50, windowSeconds: 60, minSamples: 100 },
        { weight: 100, windowSeconds: 60, minSamples: 100 },
      ],
      windowSeconds: 60,
      minSamples: 100,
      maxErrorRate: 0.05,
    }],
  ])('%s %j → %j', (strategy, params, expected) => {
    expect(validateStrategyParams(strategy, params)).toEqual(expected);
  });

  it.each<[string, unknown, string]>([
    ['blue/green', {}, 'unknown strategy "blue/green"; valid strategies: rolling, blue-green, canary, recreate'],
    ['rolling', 'fast', 'rolling params must be an object, got "fast"'],
    ['canary', [10, 20], 'canary params must be an object'],
  ])('%s %j → invalid: %s', (strategy, params, message) => {
    expectAppError(() => validateStrategyParams(strategy, params), 'invalid', message);
  });
});
