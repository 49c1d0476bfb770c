import { describe, expect, it } from 'vitest';
import { planRolling, resolveSurgeUnavailable, rollingBatches, validateRollingParams } from './rolling';
import type { PlanInput, RollingParams, Step } from './types';
import { expectAppError, kinds, NO_HOOKS, simulate, TWO_HOOKS } from '../testing/engine';

describe('resolveSurgeUnavailable', () => {
  it.each<[number, RollingParams, { surge: number; unavailable: number }]>([
    [10, { maxSurge: '25%' }, { surge: 3, unavailable: 0 }], // 2.5 rounds UP
    [10, { maxUnavailable: '25%' }, { surge: 0, unavailable: 2 }], // 2.5 rounds DOWN
    [10, { maxSurge: '25%', maxUnavailable: '25%' }, { surge: 3, unavailable: 2 }],
    [3, { maxSurge: '25%', maxUnavailable: '25%' }, { surge: 1, unavailable: 0 }],
    [4, { maxSurge: '25%', maxUnavailable: '25%' }, { surge: 1, unavailable: 1 }], // exact: no rounding
    [10, { maxSurge: '0%', maxUnavailable: '10%' }, { surge: 0, unavailable: 1 }],
    [4, { maxSurge: 1 }, { surge: 1, unavailable: 0 }],
    [4, { maxUnavailable: 2 }, { surge: 0, unavailable: 2 }],
    [3, { maxSurge: 10 }, { surge: 3, unavailable: 0 }], // capped at replicas
    [3, { maxSurge: '200%' }, { surge: 3, unavailable: 0 }],
    [3, { maxUnavailable: 7 }, { surge: 0, unavailable: 3 }],
    [1, { maxSurge: '1%' }, { surge: 1, unavailable: 0 }],
    // Neither knob: the batchSize mode (new instances start beside the old ones).
    [3, {}, { surge: 1, unavailable: 0 }],
    [5, { batchSize: 2 }, { surge: 2, unavailable: 0 }],
    [3, { batchSize: 10 }, { surge: 3, unavailable: 0 }],
  ])('%i replicas %j → %j', (replicas, params, expected) => {
    expect(resolveSurgeUnavailable(replicas, params)).toEqual(expected);
  });

  it.each<[number, RollingParams, string]>([
    [10, { maxSurge: 0, maxUnavailable: 0 }, 'maxSurge and maxUnavailable cannot both be 0'],
    [10, { maxSurge: '0%' }, 'maxSurge and maxUnavailable cannot both be 0'],
    [3, { maxUnavailable: '25%' }, 'maxSurge and maxUnavailable cannot both be 0'], // floor(0.75) = 0
    [10, { maxSurge: -1 }, 'maxSurge must be a non-negative integer or a percentage such as "25%", got -1'],
    [10, { maxSurge: 1.5 }, 'maxSurge must be a non-negative integer'],
    [10, { maxSurge: '25.5%' }, 'maxSurge must be a non-negative integer'],
    [10, { maxSurge: 'abc%' }, 'maxSurge must be'],
    [10, { maxUnavailable: '25' }, 'maxUnavailable must be a non-negative integer or a percentage such as "25%", got "25"'],
    [10, { maxUnavailable: '-5%' }, 'maxUnavailable must be'],
    [10, { maxUnavailable: ' 5%' }, 'maxUnavailable must be'],
    [10, { maxUnavailable: '150%' }, 'maxUnavailable must not exceed 100%'],
    [0, { maxSurge: 1 }, 'replicas must be an integer ≥ 1, got 0'],
    [2.5, { maxSurge: 1 }, 'replicas must be an integer ≥ 1, got 2.5'],
  ])('%i replicas %j → invalid: %s', (replicas, params, message) => {
    expectAppError(() => resolveSurgeUnavailable(replicas, params), 'invalid', message);
  });
});

describe('rollingBatches', () => {
  it.each<[number, RollingParams, number[][]]>([
    [3, { batchSize: 1 }, [[0], [1], [2]]], // the incident: never a 4th batch [3]
    [3, {}, [[0], [1], [2]]], // default batch size 1
    [5, { batchSize: 2 }, [[0, 1], [2, 3], [4]]], // not divisible
    [7, { batchSize: 3 }, [[0, 1, 2], [3, 4, 5], [6]]],
    [6, { batchSize: 3 }, [[0, 1, 2], [3, 4, 5]]],
    [3, { batchSize: 10 }, [[0, 1, 2]]], // batch larger than replicas
    [1, {}, [[0]]], // one replica
    [1, { batchSize: 5 }, [[0]]],
    [10, { maxSurge: '25%', maxUnavailable: '25%' }, [[0, 1, 2, 3, 4], [5, 6, 7, 8, 9]]], // 3 + 2
    [4, { maxSurge: 1, maxUnavailable: 1 }, [[0, 1], [2, 3]]],
    [3, { maxSurge: 5 }, [[0, 1, 2]]],
    [5, { maxUnavailable: 2, batchSize: 4 }, [[0, 1], [2, 3], [4]]], // knobs win over batchSize
  ])('%i replicas %j → %j', (replicas, params, expected) => {
    expect(rollingBatches(replicas, params).batches).toEqual(expected);
  });

  it('for every replicas/batchSize pair: ceil(r/b) consecutive batches covering each slot once', () => {
    for (let replicas = 1; replicas <= 12; replicas++) {
      for (let batchSize = 1; batchSize <= 13; batchSize++) {
        const { batches, batchSize: size } = rollingBatches(replicas, { batchSize });
        expect(size).toBe(Math.min(batchSize, replicas));
        expect(batches).toHaveLength(Math.ceil(replicas / batchSize));
        expect(batches.flat()).toEqual([...Array(replicas).keys()]);
        for (const batch of batches) {
          expect(batch.length).toBeGreaterThan(0);
          expect(batch.length).toBeLessThanOrEqual(batchSize);
        }
      }
    }
  });

  it.each<[number, RollingParams, string]>([
    [3, { batchSize: 0 }, 'batchSize must be an integer ≥ 1, got 0'],
    [3, { batchSize: -2 }, 'batchSize must be an integer ≥ 1, got -2'],
    [3, { batchSize: 1.5 }, 'batchSize must be an integer ≥ 1, got 1.5'],
    [3, { batchSize: '2' as unknown as number }, 'batchSize must be an integer ≥ 1, got "2"'],
    [3, { batchSize: 0, maxSurge: 1 }, 'batchSize must be an integer ≥ 1, got 0'], // not silently ignored
    [0, {}, 'replicas must be an integer ≥ 1, got 0'],
    [-1, {}, 'replicas must be an integer ≥ 1, got -1'],
  ])('%i replicas %j → invalid: %s', (replicas, params, message) => {
    expectAppError(() => rollingBatches(replicas, params), 'invalid', message);
  });
});

describe('validateRollingParams', () => {
  it.each<[unknown, RollingParams]>([
    [undefined, { batchSize: 1 }],
    [{}, { batchSize: 1 }],
    [{ batchSize: 3 }, { batchSize: 3 }],
    [{ maxSurge: '25%' }, { maxSurge: '25%', maxUnavailable: 0 }],
    [{ maxUnavailable: 1 }, { maxSurge: 0, maxUnavailable: 1 }],
  ])('%j → %j', (params, expected) => {
    expect(validateRollingParams(params)).toEqual(expected);
  });

  it.each<[unknown, string]>([
    [{ batchsize: 2 }, 'unknown rolling parameter: batchsize (valid: batchSize, maxSurge, maxUnavailable)'],
    [{ foo: 1, bar: 2 }, 'unknown rolling parameters: bar, foo'],
    ['fast', 'rolling params must be an object, got "fast"'],
    [[1], 'rolling params must be an object'],
  ])('%j → invalid: %s', (params, message) => {
    expectAppError(() => validateRollingParams(params), 'invalid', message);
  });
});

describe('planRolling', () => {
  const input = (over: Partial<PlanInput>): PlanInput => ({
    strategy: 'rolling',
    params: {},
    replicas: 3,
    hasOld: true,
    hooks: NO_HOOKS,
    ...over,
  });
  const n = (slots: number[]) => slots.map((slot) => ({ role: 'new' as const, slot }));
  const o = (slots: number[]) => slots.map((slot) => ({ role: 'old' as const, slot }));

  it('replicas 3, batch 1: start → ready → route → drain per batch, hooks around', () => {
    const plan = planRolling(input({ hooks: TWO_HOOKS }));
    const expected: Step[] = [
      { kind: 'hook', phase: 'pre', index: 0, name: 'migrate-db' },
      { kind: 'hook', phase: 'pre', index: 1, name: 'warm-cache' },
      { kind: 'start', instances: n([0]) },
      { kind: 'await_ready', instances: n([0]) },
      { kind: 'route', route: { mode: 'instances', old: [1, 2], new: [0] } },
      { kind: 'drain_stop', instances: o([0]) },
      { kind: 'start', instances: n([1]) },
      { kind: 'await_ready', instances: n([1]) },
      { kind: 'route', route: { mode: 'instances', old: [2], new: [0, 1] } },
      { kind: 'drain_stop', instances: o([1]) },
      { kind: 'start', instances: n([2]) },
      { kind: 'await_ready', instances: n([2]) },
      { kind: 'route', route: { mode: 'instances', old: [], new: [0, 1, 2] } },
      { kind: 'drain_stop', instances: o([2]) },
      { kind: 'hook', phase: 'post', index: 0, name: 'smoke-test' },
    ];
    expect(plan.steps).toEqual(expected);
    expect(plan.batches).toEqual([[0], [1], [2]]);
    expect(plan.params).toEqual({ batchSize: 1 });
    expect(plan.strategy).toBe('rolling');
  });

  it('first deploy: no drain and no old instances in any route', () => {
    const plan = planRolling(input({ hasOld: false, params: { batchSize: 2 } }));
    expect(plan.steps).toEqual([
      { kind: 'start', instances: n([0, 1]) },
      { kind: 'await_ready', instances: n([0, 1]) },
      { kind: 'route', route: { mode: 'instances', old: [], new: [0, 1] } },
      { kind: 'start', instances: n([2]) },
      { kind: 'await_ready', instances: n([2]) },
      { kind: 'route', route: { mode: 'instances', old: [], new: [0, 1, 2] } },
    ]);
  });

  it('maxUnavailable: the unavailable old slots leave rotation and stop before the batch starts', () => {
    const plan = planRolling(input({ replicas: 4, params: { maxSurge: 1, maxUnavailable: 1 } }));
    expect(plan.steps.slice(0, 6)).toEqual([
      { kind: 'route', route: { mode: 'instances', old: [1, 2, 3], new: [] } },
      { kind: 'drain_stop', instances: o([0]) },
      { kind: 'start', instances: n([0, 1]) },
      { kind: 'await_ready', instances: n([0, 1]) },
      { kind: 'route', route: { mode: 'instances', old: [2, 3], new: [0, 1] } },
      { kind: 'drain_stop', instances: o([1]) },
    ]);
    expect(plan.batches).toEqual([
      [0, 1],
      [2, 3],
    ]);
  });

  it('maxUnavailable only (no surge): whole batch stops first, nothing left to drain after', () => {
    const plan = planRolling(input({ replicas: 2, params: { maxUnavailable: 1 } }));
    expect(kinds(plan.steps)).toEqual([
      'route', 'drain_stop', 'start', 'await_ready', 'route',
      'route', 'drain_stop', 'start', 'await_ready', 'route',
    ]);
  });

  // Capacity bounds: never more than replicas + surge running, never fewer than
  // replicas − unavailable in rotation.
  it.each<[number, RollingParams, boolean]>([
    [3, {}, true],
    [5, { batchSize: 2 }, true],
    [3, { batchSize: 10 }, true],
    [1, {}, true],
    [1, {}, false],
    [10, { maxSurge: '25%' }, true],
    [10, { maxUnavailable: '25%' }, true],
    [10, { maxSurge: '25%', maxUnavailable: '25%' }, true],
    [7, { maxSurge: 2, maxUnavailable: 3 }, true],
    [7, { maxSurge: 2, maxUnavailable: 3 }, false],
    [1, { maxUnavailable: 1 }, true],
  ])('%i replicas %j hasOld=%s stays within surge/unavailable and is safe', (replicas, params, hasOld) => {
    const plan = planRolling(input({ replicas, params, hasOld, hooks: TWO_HOOKS }));
    const { surge, unavailable } = rollingBatches(replicas, params);
    const { peakRunning, minInRotation } = simulate(plan, hasOld);
    if (hasOld) {
      expect(peakRunning).toBeLessThanOrEqual(replicas + surge);
      expect(minInRotation).toBeGreaterThanOrEqual(replicas - unavailable);
    }
  });

  it('rejects unknown params', () => {
    expectAppError(() => planRolling(input({ params: { batchsize: 2 } as RollingParams })), 'invalid', 'batchsize');
  });
});
