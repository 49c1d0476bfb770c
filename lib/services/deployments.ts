/**
 * Deployments as people read them, and what the deployment use cases share. Creating one is in
 * create-deployment.ts, deciding its plan and gates in prepare-deployment.ts, the controls in
 * control-deployment.ts.
 */
import type { Clock } from '../clock';
import type { Db } from '../db/client';
import { AppError } from '../errors/app-error';
import { readEvents } from '../events/read';
import { readLease } from '../state/leases';
import { readState } from '../state/deployment-state';
import { DEFAULTS, previewPlan, resolveHealthPolicy } from '../engine';
import { isUuid } from './validate';

export interface ServiceContext {
  db: Db;
  clock?: Clock;
  /** Lease TTL for new deployments (default 300 s, FLIGHTDECK_LEASE_TTL_SECONDS). */
  leaseTtlSeconds?: number;
}

export function leaseTtl(ctx: ServiceContext): number {
  return ctx.leaseTtlSeconds ?? Number(process.env.FLIGHTDECK_LEASE_TTL_SECONDS ?? DEFAULTS.leaseTtlSeconds);
}

export { liveVersionOf } from './live';

export async function getDeployment(db: Db, id: string) {
  if (!isUuid(id)) throw new AppError('not_found', `deployment ${id} not found`, { id });
  const d = await db.deployment.findUnique({
    where: { id },
    include: {
      service: { select: { name: true, health: true } },
      environment: { select: { name: true } },
      toVersion: true,
      fromVersion: true,
      approvals: { orderBy: { id: 'asc' } },
    },
  });
  if (!d) throw new AppError('not_found', `deployment ${id} not found`, { id });
  const { plan, progress } = readState(d);
  // Each step in words with the traffic once it is done, for people following the deployment.
  const described = previewPlan(plan, {
    health: resolveHealthPolicy(d.service.health),
    drainSeconds: DEFAULTS.drainSeconds,
    missingConfigKeys: [],
    dependencies: [],
    lease: null,
  }).steps.map((s) => ({ index: s.index, kind: s.step.kind, description: s.description, traffic: s.traffic, timing: s.timing }));
  const lease = d.activeFor ? await readLease(db, d.serviceId, d.environmentId) : null;
  return {
    id: d.id,
    service: d.service.name,
    environment: d.environment.name,
    kind: d.kind,
    state: d.state,
    phase: d.phase,
    strategy: d.strategy,
    params: d.params,
    from: d.fromVersion?.semver ?? null,
    to: d.toVersion.semver,
    releaseId: d.releaseId,
    actor: d.actor,
    reason: d.reason,
    plan,
    step: d.cursor,
    totalSteps: plan.steps.length,
    steps: described,
    reverting: progress.revert ? { outcome: progress.revert.outcome, reason: progress.revert.reason } : null,
    /** The running canary verdict (details: GET /api/v1/deployments/{id}/analysis). */
    analysis: progress.analysis
      ? { cursor: progress.analysis.cursor, verdict: progress.analysis.verdict, reason: progress.analysis.reason, at: new Date(progress.analysis.at).toISOString() }
      : null,
    control: d.control,
    lastSeq: d.lastSeq,
    lease: lease && lease.deploymentId === d.id ? lease : null,
    approval:
      d.approvalsRequired > 0
        ? {
            required: d.approvalsRequired,
            expiresAt: d.approvalExpiresAt?.toISOString() ?? null,
            decisions: d.approvals.map((a) => ({ actor: a.actor, decision: a.decision, comment: a.comment, at: a.at.toISOString() })),
          }
        : null,
    overrides: d.overrides,
    createdAt: d.createdAt.toISOString(),
    startedAt: d.startedAt?.toISOString() ?? null,
    finishedAt: d.finishedAt?.toISOString() ?? null,
  };
}

export async function listDeploymentEvents(db: Db, id: string, after: unknown) {
  const n = after === undefined || after === null || after === '' ? 0 : Number(after);
  if (!Number.isInteger(n) || n < 0) throw new AppError('invalid', `after must be a non-negative integer sequence number, got ${JSON.stringify(after)}`);
  await getDeployment(db, id);
  return readEvents(db, id, n);
}

