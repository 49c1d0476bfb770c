import { describe, expect, it } from 'vitest';
import { allowedActions, canTransition, DEPLOYMENT_ACTIONS, nextState, type DeploymentAction } from './state-machine';
import type { DeploymentState } from './types';
import { expectAppError } from '../testing/engine';

// The whole transition table: every (state, action) pair, null where it is illegal.
const NONE = { approve: null, reject: null, expire: null, start: null, pause: null, resume: null, promote: null, abort: null, succeed: null, fail: null } as const;
const TABLE: Record<DeploymentState, Record<DeploymentAction, DeploymentState | null>> = {
  awaiting_approval: { ...NONE, approve: 'queued', reject: 'aborted', expire: 'aborted', abort: 'aborted' },
  queued: { ...NONE, start: 'running', abort: 'aborted' },
  running: { ...NONE, pause: 'paused', promote: 'running', abort: 'aborted', succeed: 'succeeded', fail: 'failed' },
  paused: { ...NONE, resume: 'running', promote: 'running', abort: 'aborted', fail: 'failed' },
  succeeded: NONE,
  failed: NONE,
  aborted: NONE,
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
    ['awaiting_approval', ['approve', 'reject', 'expire', 'abort']],
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
