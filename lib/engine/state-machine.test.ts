import { describe, expect, it } from 'vitest';
import { allowedActions, canTransition, DEPLOYMENT_ACTIONS, nextState, type DeploymentAction } from './state-machine';
import type { DeploymentState } from './types';
import { expectAppError } from '../testing/engine';

// The whole transition table: every (state, action) pair, null where it is illegal.
const TABLE: Record<DeploymentState, Record<DeploymentAction, DeploymentState | null>> = {
  queued: { start: 'running', pause: null, resume: null, promote: null, abort: 'aborted', succeed: null, fail: null },
  running: { start: null, pause: 'paused', resume: null, promote: 'running', abort: 'aborted', succeed: 'succeeded', fail: 'failed' },
  paused: { start: null, pause: null, resume: 'running', promote: 'running', abort: 'aborted', succeed: null, fail: 'failed' },
  succeeded: { start: null, pause: null, resume: null, promote: null, abort: null, succeed: null, fail: null },
  failed: { start: null, pause: null, resume: null, promote: null, abort: null, succeed: null, fail: null },
  aborted: { start: null, pause: null, resume: null, promote: null, abort: null, succeed: null, fail: null },
};
const CASES = (Object.keys(TABLE) as DeploymentState[]).flatMap((state) =>
  DEPLOYMENT_ACTIONS.map((action) => [state, action, TABLE[state][action]] as const),
);

describe('deployment state machine', () => {
  it.each(CASES)('%s + %s → %s', (state, action, expected) => {
    expect(canTransition(state, action)).toBe(expected !== null);
    if (expected === null) {
      const error = expectAppError(
        () => nextState(state, action),
        'conflict',
        `cannot ${action} a deployment that is ${state}`,
      );
      expect(error.details).toEqual({ state, action });
    } else {
      expect(nextState(state, action)).toBe(expected);
    }
  });

  it('the message from the spec', () => {
    expectAppError(() => nextState('succeeded', 'pause'), 'conflict', /^cannot pause a deployment that is succeeded$/);
  });

  it.each<[DeploymentState, DeploymentAction[]]>([
    ['queued', ['start', 'abort']],
    ['running', ['pause', 'promote', 'abort', 'succeed', 'fail']],
    ['paused', ['resume', 'promote', 'abort', 'fail']],
    ['succeeded', []],
  ])('allowedActions(%s) = %j', (state, actions) => {
    expect(allowedActions(state)).toEqual(actions);
  });

  it('an unknown action is invalid input', () => {
    expectAppError(() => nextState('running', 'explode' as DeploymentAction), 'invalid', 'unknown deployment action "explode"');
  });
});
