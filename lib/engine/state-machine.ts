/**
 * Deployment lifecycle: [awaiting_approval →] queued → running ⇄ paused → succeeded | failed | aborted.
 *
 *  awaiting_approval  approve (the last approval needed) → queued, reject → aborted,
 *                     expire → aborted, abort → aborted
 *  queued   start → running, abort → aborted
 *  running  pause → paused, promote → running (skip the current wait), abort → aborted,
 *           succeed → succeeded, fail → failed
 *  paused   resume → running, promote → running, abort → aborted, fail → failed
 *  terminal states accept nothing.
 */
import { AppError } from '../errors/app-error';
import type { DeploymentState } from './types';

export type DeploymentAction = 'approve' | 'reject' | 'expire' | 'start' | 'pause' | 'resume' | 'promote' | 'abort' | 'succeed' | 'fail';

export const DEPLOYMENT_ACTIONS: readonly DeploymentAction[] = ['approve', 'reject', 'expire', 'start', 'pause', 'resume', 'promote', 'abort', 'succeed', 'fail'];

const TRANSITIONS: Record<DeploymentState, Partial<Record<DeploymentAction, DeploymentState>>> = {
  awaiting_approval: { approve: 'queued', reject: 'aborted', expire: 'aborted', abort: 'aborted' },
  queued: { start: 'running', abort: 'aborted' },
  running: { pause: 'paused', promote: 'running', abort: 'aborted', succeed: 'succeeded', fail: 'failed' },
  paused: { resume: 'running', promote: 'running', abort: 'aborted', fail: 'failed' },
  succeeded: {},
  failed: {},
  aborted: {},
};

export function canTransition(state: DeploymentState, action: DeploymentAction): boolean {
  return TRANSITIONS[state]?.[action] !== undefined;
}

/** The actions `state` accepts, in a stable order (for enabling buttons). */
export function allowedActions(state: DeploymentState): DeploymentAction[] {
  return DEPLOYMENT_ACTIONS.filter((action) => canTransition(state, action));
}

export function nextState(state: DeploymentState, action: DeploymentAction): DeploymentState {
  if (!DEPLOYMENT_ACTIONS.includes(action)) {
    throw new AppError('invalid', `unknown deployment action "${String(action)}"`, { state, action });
  }
  const next = TRANSITIONS[state]?.[action];
  if (next === undefined) {
    throw new AppError('conflict', `cannot ${action} a deployment that is ${state}`, { state, action });
  }
  return next;
}
