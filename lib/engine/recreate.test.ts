import { describe, expect, it } from 'vitest';
import { estimateRecreateDowntimeSeconds, planRecreate, validateRecreateParams } from './recreate';
import { DEFAULTS } from './types';
import type { HealthPolicy, PlanInput, Step } from './types';
import { expectAppError, NO_HOOKS, simulate, TWO_HOOKS } from '../testing/engine';

const input = (over: Partial<PlanInput>): PlanInput => ({
  strategy: 'recreate',
  params: {},
  replicas: 2,
  hasOld: true,
  hooks: NO_HOOKS,
  ...over,
});
const all = (role: 'old' | 'new') => [0, 1].map((slot) => ({ role, slot }));

describe('planRecreate', () => {
  it.each<[string, Partial<PlanInput>, Step[]]>([
    [
      'with an old version',
      {},
      [
        { kind: 'route', route: { mode: 'instances', old: [], new: [] } },
        { kind: 'drain_stop', instances: all('old') },
        { kind: 'start', instances: all('new') },
        { kind: 'await_ready', instances: all('new') },
        { kind: 'route', route: { mode: 'instances', old: [], new: [0, 1] } },
      ],
    ],
    [
      'first deploy',
      { hasOld: false },
      [
        { kind: 'start', instances: all('new') },
        { kind: 'await_ready', instances: all('new') },
        { kind: 'route', route: { mode: 'instances', old: [], new: [0, 1] } },
      ],
    ],
    [
      'hooks',
      { hooks: TWO_HOOKS, hasOld: false },
      [
        { kind: 'hook', phase: 'pre', index: 0, name: 'migrate-db' },
        { kind: 'hook', phase: 'pre', index: 1, name: 'warm-cache' },
        { kind: 'start', instances: all('new') },
        { kind: 'await_ready', instances: all('new') },
        { kind: 'route', route: { mode: 'instances', old: [], new: [0, 1] } },
        { kind: 'hook', phase: 'post', index: 0, name: 'smoke-test' },
      ],
    ],
  ])('%s', (_name, over, expected) => {
    const plan = planRecreate(input(over));
    expect(plan.steps).toEqual(expected);
    const { peakRunning } = simulate(plan, plan.steps.some((s) => s.kind === 'drain_stop'));
    expect(peakRunning).toBe(2); // never both versions at once
  });

  it.each<[unknown, string]>([
    [{ batchSize: 1 }, 'unknown recreate parameter: batchSize (recreate takes none)'],
    [5, 'recreate params must be an object'],
  ])('%j → invalid: %s', (params, message) => {
    expectAppError(() => validateRecreateParams(params), 'invalid', message);
  });
});

describe('estimateRecreateDowntimeSeconds', () => {
  const policy = (over: Partial<HealthPolicy>): HealthPolicy => ({ ...DEFAULTS.health, ...over });
  it.each<[Partial<HealthPolicy>, number, { min: number; max: number }]>([
    // defaults: interval 5, healthy 1, unhealthy 3, grace 60 → ready in 5 s, at worst 60 + 3×5
    [{}, 10, { min: 15, max: 85 }],
    [{}, 0, { min: 5, max: 75 }],
    [{ healthyThreshold: 2, unhealthyThreshold: 3, intervalSeconds: 10, gracePeriodSeconds: 30 }, 0, { min: 20, max: 70 }],
    [{ gracePeriodSeconds: 0, unhealthyThreshold: 1 }, 2.5, { min: 7.5, max: 7.5 }],
  ])('%j, drain %s s → %j', (over, drain, expected) => {
    expect(estimateRecreateDowntimeSeconds(policy(over), drain)).toEqual(expected);
  });

  it.each<[Partial<HealthPolicy>, number, string]>([
    [{}, -1, 'drainSeconds must be a number ≥ 0, got -1'],
    [{ intervalSeconds: 0 }, 0, 'health intervalSeconds must be a number > 0, got 0'],
    [{ healthyThreshold: 0 }, 0, 'health healthyThreshold must be an integer ≥ 1, got 0'],
  ])('%j, drain %s → invalid: %s', (over, drain, message) => {
    expectAppError(() => estimateRecreateDowntimeSeconds(policy(over), drain), 'invalid', message);
  });
});
