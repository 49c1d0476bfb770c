/**
 * Steps that wait: a hold until a person promotes (blue-green preview), and a fixed delay
 * (blue-green keeps blue for its scale-down delay). The delay is measured from when the step
 * began, recorded in the deployment's progress, so a worker that takes over waits only what is left.
 */
import type { Step } from '../../engine';
import { consumePromote, stepStarted } from '../../state/deployment-state';
import type { Executor } from '../context';

export const hold: Executor<Extract<Step, { kind: 'hold' }>> = async (step, ctx) => {
  const promote = ctx.d.control.promote;
  if (promote && promote.cursor === ctx.index) {
    return {
      kind: 'advance',
      actor: promote.actor,
      events: [{ type: 'promoted', message: `Promoted by ${promote.actor}`, data: { cursor: ctx.index } }],
      extra: (tx) => consumePromote(tx, ctx.d.id),
    };
  }
  if (ctx.d.phase !== ctx.phase) {
    return { kind: 'record', waitMs: 1000, events: [{ type: 'awaiting_promotion', message: `Waiting for promotion: ${step.reason}`, data: {} }] };
  }
  return { kind: 'wait', ms: 1000 };
};

export const delay: Executor<Extract<Step, { kind: 'delay' }>> = async (step, ctx) => {
  const startedAt = ctx.d.progress.stepStartedAt?.[String(ctx.index)];
  if (startedAt === undefined) {
    return {
      kind: 'record',
      progress: stepStarted(ctx.d.progress, ctx.index, ctx.now),
      events: [{ type: 'delay_started', message: `Waiting ${step.seconds} s: ${step.reason}`, data: { seconds: step.seconds } }],
    };
  }
  const left = startedAt + step.seconds * 1000 - ctx.now;
  if (left > 0) return { kind: 'wait', ms: left };
  return { kind: 'advance', events: [{ type: 'delay_finished', message: `Waited ${step.seconds} s: ${step.reason}`, data: {} }] };
};
