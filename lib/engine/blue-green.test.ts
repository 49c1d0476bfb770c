import { describe, expect, it } from 'vitest';
import { planBlueGreen, validateBlueGreenParams } from './blue-green';
import type { BlueGreenParams, PlanInput } from './types';
import { expectAppError, kinds, NO_HOOKS, simulate, TWO_HOOKS } from '../testing/engine';

const input = (over: Partial<PlanInput>): PlanInput => ({
  strategy: 'blue-green',
  params: {},
  replicas: 3,
  hasOld: true,
  hooks: NO_HOOKS,
  ...over,
});

describe('planBlueGreen', () => {
  it.each<[string, Partial<PlanInput>, string[]]>([
    ['defaults', {}, ['start', 'await_ready', 'route', 'delay', 'drain_stop']],
    ['preview hold', { params: { previewHold: true } }, ['start', 'await_ready', 'hold', 'route', 'delay', 'drain_stop']],
    ['no scale-down delay', { params: { scaleDownDelaySeconds: 0 } }, ['start', 'await_ready', 'route', 'drain_stop']],
    ['first deploy', { hasOld: false }, ['start', 'await_ready', 'route']],
    ['first deploy with hold', { hasOld: false, params: { previewHold: true } }, ['start', 'await_ready', 'hold', 'route']],
    [
      'hooks',
      { hooks: TWO_HOOKS },
      ['hook', 'hook', 'start', 'await_ready', 'route', 'hook', 'delay', 'drain_stop'],
    ],
  ])('%s → step kinds', (_name, over, expected) => {
    expect(kinds(planBlueGreen(input(over)).steps)).toEqual(expected);
  });

  // The incident: both colours served at once. There must be exactly one traffic change,
  // straight to 100 %, in every configuration.
  it.each<[number, boolean, BlueGreenParams]>([
    [1, true, {}],
    [3, true, { previewHold: true }],
    [5, false, {}],
    [4, true, { scaleDownDelaySeconds: 0 }],
    [2, false, { previewHold: true, scaleDownDelaySeconds: 120 }],
  ])('replicas %i hasOld=%s %j: exactly one route, weights 100', (replicas, hasOld, params) => {
    const plan = planBlueGreen(input({ replicas, hasOld, params, hooks: TWO_HOOKS }));
    const routes = plan.steps.filter((s) => s.kind === 'route');
    expect(routes).toEqual([{ kind: 'route', route: { mode: 'weights', newWeight: 100 } }]);
    simulate(plan, hasOld);
  });

  it('starts and awaits the full green set before the switch', () => {
    const plan = planBlueGreen(input({ replicas: 4 }));
    const green = [0, 1, 2, 3].map((slot) => ({ role: 'new', slot }));
    expect(plan.steps[0]).toEqual({ kind: 'start', instances: green });
    expect(plan.steps[1]).toEqual({ kind: 'await_ready', instances: green });
  });

  it.each<[BlueGreenParams, number | null]>([
    [{}, 30],
    [{ scaleDownDelaySeconds: 90 }, 90],
    [{ scaleDownDelaySeconds: 0.5 }, 0.5],
    [{ scaleDownDelaySeconds: 0 }, null],
  ])('%j → delay %s before blue stops', (params, seconds) => {
    const plan = planBlueGreen(input({ params }));
    const delay = plan.steps.find((s) => s.kind === 'delay');
    expect(delay && delay.kind === 'delay' ? delay.seconds : null).toBe(seconds);
    // Blue is stopped last, all of it.
    expect(plan.steps[plan.steps.length - 1]).toEqual({
      kind: 'drain_stop',
      instances: [0, 1, 2].map((slot) => ({ role: 'old', slot })),
    });
  });

  it('the preview hold explains itself', () => {
    const hold = planBlueGreen(input({ params: { previewHold: true } })).steps.find((s) => s.kind === 'hold');
    expect(hold && hold.kind === 'hold' ? hold.reason : '').toMatch(/preview/);
  });

  it('params after defaults are on the plan', () => {
    expect(planBlueGreen(input({})).params).toEqual({ previewHold: false, scaleDownDelaySeconds: 30 });
  });
});

describe('validateBlueGreenParams', () => {
  it.each<[unknown, string]>([
    [{ scaleDownDelaySeconds: -1 }, 'scaleDownDelaySeconds must be a number ≥ 0, got -1'],
    [{ scaleDownDelaySeconds: '30' }, 'scaleDownDelaySeconds must be a number ≥ 0, got "30"'],
    [{ scaleDownDelaySeconds: Infinity }, 'scaleDownDelaySeconds must be a number ≥ 0, got Infinity'],
    [{ previewHold: 'yes' }, 'previewHold must be true or false, got "yes"'],
    [{ batchSize: 2 }, 'unknown blue-green parameter: batchSize (valid: previewHold, scaleDownDelaySeconds)'],
  ])('%j → invalid: %s', (params, message) => {
    expectAppError(() => validateBlueGreenParams(params), 'invalid', message);
  });
});
