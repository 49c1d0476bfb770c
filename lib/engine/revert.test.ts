import { describe, expect, it } from 'vitest';
import { planRevert } from './revert';
import type { Step } from './types';
import { expectAppError } from '../testing/engine';

const refs = (role: 'old' | 'new', slots: number[]) => slots.map((slot) => ({ role, slot }));
const toOld: Step = { kind: 'route', route: { mode: 'weights', newWeight: 0 } };

describe('planRevert', () => {
  it.each<[string, { replicas: number; hasOld: boolean; oldRunning: number[]; newRunning: number[] }, Step[]]>([
    [
      'everything still running (blue-green in its delay, canary mid-way): traffic only',
      { replicas: 3, hasOld: true, oldRunning: [0, 1, 2], newRunning: [0, 1, 2] },
      [toOld, { kind: 'drain_stop', instances: refs('new', [0, 1, 2]) }],
    ],
    [
      'canary at 10 % on one slot',
      { replicas: 4, hasOld: true, oldRunning: [3, 2, 1, 0], newRunning: [0] },
      [toOld, { kind: 'drain_stop', instances: refs('new', [0]) }],
    ],
    [
      'rolling halted after two batches: restart the replaced old slots first',
      { replicas: 3, hasOld: true, oldRunning: [2], newRunning: [1, 0] },
      [
        { kind: 'start', instances: refs('old', [0, 1]) },
        { kind: 'await_ready', instances: refs('old', [0, 1]) },
        toOld,
        { kind: 'drain_stop', instances: refs('new', [0, 1]) },
      ],
    ],
    [
      'recreate after the old set is gone',
      { replicas: 2, hasOld: true, oldRunning: [], newRunning: [0, 1] },
      [
        { kind: 'start', instances: refs('old', [0, 1]) },
        { kind: 'await_ready', instances: refs('old', [0, 1]) },
        toOld,
        { kind: 'drain_stop', instances: refs('new', [0, 1]) },
      ],
    ],
    [
      'nothing new running',
      { replicas: 2, hasOld: true, oldRunning: [0, 1], newRunning: [] },
      [toOld],
    ],
    [
      'first deploy: nothing to go back to, take the new instances out and stop them',
      { replicas: 2, hasOld: false, oldRunning: [], newRunning: [0, 1] },
      [
        { kind: 'route', route: { mode: 'instances', old: [], new: [] } },
        { kind: 'drain_stop', instances: refs('new', [0, 1]) },
      ],
    ],
    [
      'duplicates are ignored',
      { replicas: 2, hasOld: true, oldRunning: [0, 0, 1], newRunning: [1, 1] },
      [toOld, { kind: 'drain_stop', instances: refs('new', [1]) }],
    ],
  ])('%s', (_name, input, expected) => {
    const steps = planRevert(input);
    expect(steps).toEqual(expected);
    // Exactly one traffic change, always.
    expect(steps.filter((s) => s.kind === 'route')).toHaveLength(1);
  });

  it.each<[{ replicas: number; hasOld: boolean; oldRunning: number[]; newRunning: number[] }, string]>([
    [{ replicas: 0, hasOld: true, oldRunning: [], newRunning: [] }, 'replicas must be an integer ≥ 1, got 0'],
    [{ replicas: 3, hasOld: true, oldRunning: [3], newRunning: [] }, 'oldRunning slot 3 is outside 0..2'],
    [{ replicas: 3, hasOld: true, oldRunning: [], newRunning: [-1] }, 'newRunning slot -1 is outside 0..2'],
  ])('%j → invalid: %s', (input, message) => {
    expectAppError(() => planRevert(input), 'invalid', message);
  });
});
