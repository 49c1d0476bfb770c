/**
 * Approvals: a deployment into a protected environment waits until enough distinct approvers
 * (never its requester) approve it; one rejection ends it; so does waiting past its expiry. Each
 * decision is one guarded transaction (the row locked, the state machine consulted) with its
 * event on the deployment's timeline. Approval creates the lease a worker claims.
 */
import { systemClock } from '../clock';
import type { Db } from '../db/client';
import { AppError } from '../errors/app-error';
import { appendEvents, type NewEvent, type Tx } from '../events/append';
import { approvalTally, nextState, type Decision } from '../engine';
import { createLease } from '../state/leases';
import { notifyWork } from '../state/work';
import { decisionSchema } from './environment-schemas';
import { getDeployment, leaseTtl, type ServiceContext } from './deployments';
import { isUuid, parseInput } from './validate';

type Verdict = 'approved' | 'rejected';

async function lockWaiting(tx: Tx, id: string) {
  const rows = await tx.$queryRaw<Array<{ id: string }>>`SELECT id FROM deployments WHERE id = ${id}::uuid FOR UPDATE`;
  if (!rows[0]) throw new AppError('not_found', `deployment ${id} not found`, { id });
  return tx.deployment.findUniqueOrThrow({
    where: { id },
    include: { service: { select: { name: true } }, environment: true, toVersion: { select: { semver: true } }, approvals: true },
  });
}

async function end(tx: Tx, id: string, reason: string, at: Date): Promise<void> {
  await tx.deployment.update({ where: { id }, data: { state: 'aborted', phase: 'aborted', activeFor: null, finishedAt: at, reason } });
}

async function decide(ctx: ServiceContext, id: string, verdict: Verdict, input: unknown, actor: string) {
  if (!isUuid(id)) throw new AppError('not_found', `deployment ${id} not found`, { id });
  const { comment } = parseInput(decisionSchema, input ?? {});
  const now = new Date((ctx.clock ?? systemClock).now());
  await ctx.db.$transaction(async (tx) => {
    const d = await lockWaiting(tx, id);
    if (d.state !== 'awaiting_approval') {
      throw new AppError('conflict', `deployment ${id} is ${d.state}, not awaiting approval`, { state: d.state });
    }
    if (d.actor === actor) {
      throw new AppError('conflict', `${actor} requested this deployment; an approval must come from someone else`, { requester: d.actor });
    }
    const mine = d.approvals.find((a) => a.actor === actor);
    if (mine) throw new AppError('conflict', `${actor} already ${mine.decision} this deployment`, { decision: mine.decision });
    await tx.approval.create({ data: { deploymentId: id, actor, decision: verdict, comment, at: now } });
    const decisions: Decision[] = [...d.approvals.map((a) => ({ actor: a.actor, decision: a.decision as Verdict })), { actor, decision: verdict }];
    const tally = approvalTally(d.approvalsRequired, decisions);
    const said = comment ? `: ${comment}` : '';
    const what = `v${d.toVersion.semver} of ${d.service.name} in ${d.environment.name}`;
    const events: NewEvent[] = [];
    if (verdict === 'rejected') {
      nextState('awaiting_approval', 'reject');
      await end(tx, id, `rejected by ${actor}${said}`, now);
      events.push({ type: 'rejected', message: `Rejected by ${actor}${said}`, data: { actor, comment } });
      events.push({ type: 'deployment_aborted', message: `Aborted: ${what} was rejected by ${actor}`, data: { reason: `rejected by ${actor}` } });
    } else if (tally.enough) {
      nextState('awaiting_approval', 'approve');
      await createLease(tx, { serviceId: d.serviceId, environmentId: d.environmentId, serviceName: d.service.name, deploymentId: id, ttlSeconds: leaseTtl(ctx), now });
      await tx.deployment.update({ where: { id }, data: { state: 'queued', phase: 'queued' } });
      events.push({
        type: 'approved',
        message: `Approved by ${actor}${said} — ${tally.approvals} of ${d.approvalsRequired} (${tally.approvers.join(', ')}); queued`,
        data: { actor, comment, approvers: tally.approvers },
      });
    } else {
      events.push({
        type: 'approval_recorded',
        message: `Approved by ${actor}${said} — ${tally.approvals} of ${d.approvalsRequired}; waiting for ${d.approvalsRequired - tally.approvals} more`,
        data: { actor, comment, approvers: tally.approvers },
      });
    }
    await appendEvents(tx, id, events, actor, now);
    if (tally.enough && verdict === 'approved') await notifyWork(tx, id);
  });
  return getDeployment(ctx.db, id);
}

export function approveDeployment(ctx: ServiceContext, id: string, input: unknown, actor: string) {
  return decide(ctx, id, 'approved', input, actor);
}

export function rejectDeployment(ctx: ServiceContext, id: string, input: unknown, actor: string) {
  return decide(ctx, id, 'rejected', input, actor);
}

/** End every request that waited past its expiry (a worker tick). Returns how many. */
export async function expireApprovals(ctx: ServiceContext, now: number): Promise<number> {
  const due = await ctx.db.deployment.findMany({ where: { state: 'awaiting_approval', approvalExpiresAt: { lte: new Date(now) } }, select: { id: true } });
  let n = 0;
  for (const { id } of due) {
    await ctx.db.$transaction(async (tx) => {
      const d = await lockWaiting(tx, id);
      if (d.state !== 'awaiting_approval') return; // decided meanwhile
      const at = new Date(now);
      await end(tx, id, 'approval expired', at);
      const got = d.approvals.filter((a) => a.decision === 'approved').length;
      await appendEvents(
        tx,
        id,
        [
          { type: 'approval_expired', message: `Approval expired: ${got} of ${d.approvalsRequired} approvals by ${d.approvalExpiresAt?.toISOString()}`, data: { approvals: got } },
          { type: 'deployment_aborted', message: 'Aborted: nobody approved it in time', data: { reason: 'approval expired' } },
        ],
        'flightdeck',
        at,
      );
      n++;
    });
  }
  return n;
}

/** The approvals inbox: every deployment waiting for approval, with its plan, and whether `viewer` may decide it. */
export async function listApprovals(db: Db, viewer: string) {
  const waiting = await db.deployment.findMany({
    where: { state: 'awaiting_approval' },
    orderBy: { createdAt: 'asc' },
    select: { id: true },
  });
  const items = [];
  for (const { id } of waiting) {
    const d = await getDeployment(db, id);
    const decided = d.approval?.decisions.some((x) => x.actor === viewer) ?? false;
    items.push({ ...d, mayDecide: d.actor !== viewer && !decided, whyNot: d.actor === viewer ? 'you requested it' : decided ? 'you already decided' : null });
  }
  return { approvals: items };
}
