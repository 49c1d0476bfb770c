/**
 * The people's controls on a deployment: pause, resume, promote, abort.
 */
import { z } from 'zod';
import { systemClock } from '../clock';
import { AppError } from '../errors/app-error';
import { appendEvents } from '../events/append';
import { nextState } from '../engine';
import { readState, stepRestarted, toJson, type Control } from '../state/deployment-state';
import { notifyWork } from '../state/work';
import { getDeployment, type ServiceContext } from './deployments';
import { controlActionSchema, controlBodySchema, type ControlAction } from './schemas';
import { parseInput } from './validate';

const deploymentStateSchema = z.enum(['awaiting_approval', 'queued', 'running', 'paused', 'succeeded', 'failed', 'aborted']);

/**
 * pause / resume / promote / abort, requested by a person. Each is one guarded transaction:
 * the state is re-read under a row lock, the engine's state machine decides whether the
 * action is legal (409 otherwise), and the request is recorded as an event. The worker acts
 * on `control` at its next step.
 */
export async function controlDeployment(ctx: ServiceContext, id: string, actionRaw: string, body: unknown, actor: string) {
  const action: ControlAction = parseInput(controlActionSchema, actionRaw);
  const { reason } = parseInput(controlBodySchema, body ?? {});
  const clock = ctx.clock ?? systemClock;
  await getDeployment(ctx.db, id);
  await ctx.db.$transaction(async (tx) => {
    const rows = await tx.$queryRaw<Array<{ state: string; cursor: number; plan: unknown; control: unknown; progress: unknown }>>`
      SELECT state, cursor, plan, control, progress FROM deployments WHERE id = ${id}::uuid FOR UPDATE`;
    const row = rows[0]!;
    const d = { ...row, ...readState(row) };
    const state = deploymentStateSchema.parse(d.state);
    const to = nextState(state, action); // throws 409 when illegal
    const now = clock.now();
    const at = new Date(now);
    const step = d.plan.steps[d.cursor];
    if (d.progress.revert && action !== 'abort') {
      throw new AppError('conflict', `cannot ${action} a deployment that is being reverted (${d.progress.revert.reason})`, { action });
    }
    switch (action) {
      case 'pause':
        await tx.deployment.update({ where: { id }, data: { state: to, phase: `paused by ${actor}` } });
        await appendEvents(tx, id, [{ type: 'paused', message: `Paused by ${actor}${reason ? `: ${reason}` : ''}`, data: { reason: reason ?? null } }], actor, at);
        break;
      case 'resume': {
        // A resumed analysis starts a fresh window: evidence from before the pause is not enough.
        await tx.deployment.update({ where: { id }, data: { state: to, phase: 'resuming', progress: toJson(stepRestarted(d.progress, d.cursor)) } });
        await appendEvents(tx, id, [{ type: 'resumed', message: `Resumed by ${actor}`, data: {} }], actor, at);
        break;
      }
      case 'promote': {
        if (!step || (step.kind !== 'analysis' && step.kind !== 'hold' && step.kind !== 'verify') || d.progress.revert) {
          throw new AppError('conflict', `nothing to promote: the deployment is at ${step ? `a ${step.kind} step` : 'its end'}`, { step: step?.kind ?? null });
        }
        const control: Control = { ...d.control, promote: { actor, at: now, cursor: d.cursor } };
        await tx.deployment.update({ where: { id }, data: { state: to, control: toJson(control) } });
        await appendEvents(tx, id, [{ type: 'promote_requested', message: `Promotion requested by ${actor}`, data: { cursor: d.cursor } }], actor, at);
        break;
      }
      case 'abort': {
        if (d.control.abort || d.progress.revert) throw new AppError('conflict', 'the deployment is already being aborted or reverted');
        const why = reason ?? `aborted by ${actor}`;
        if (state === 'queued' || state === 'awaiting_approval') {
          // No worker has touched anything yet: end it here, in this transaction.
          await tx.deployment.update({ where: { id }, data: { state: 'aborted', phase: 'aborted', activeFor: null, finishedAt: at, reason: why } });
          await tx.lease.deleteMany({ where: { deploymentId: id } });
          await appendEvents(tx, id, [{ type: 'deployment_aborted', message: `Aborted before it started by ${actor}`, data: { reason: why } }], actor, at);
          break;
        }
        const control: Control = { ...d.control, abort: { actor, reason: why, markBad: false, at: now } };
        await tx.deployment.update({ where: { id }, data: { control: toJson(control) } });
        await appendEvents(tx, id, [{ type: 'abort_requested', message: `Abort requested by ${actor}${reason ? `: ${reason}` : ''}`, data: { reason: why } }], actor, at);
        break;
      }
    }
    await notifyWork(tx, id);
  });
  return getDeployment(ctx.db, id);
}
