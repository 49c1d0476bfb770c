/**
 * Deployments: create (or preview), read, and the people's controls (pause, resume, promote,
 * abort). Creation is one transaction: the lease, the deployment row and its first event —
 * the database refuses a second active deployment of a service. The worker that claims the
 * lease runs it (lib/deploy/worker.ts).
 */
import { randomUUID } from 'node:crypto';
import type { Clock } from '../clock';
import { systemClock } from '../clock';
import { Prisma, type Db } from '../db/client';
import { AppError } from '../errors/app-error';
import { appendEvents, type Tx } from '../events/append';
import { readEvents } from '../events/read';
import { createLease, readLease } from '../state/leases';
import { readState, stepRestarted, toJson, type Control } from '../state/deployment-state';
import { notifyWork } from '../state/work';
import { DEFAULTS, missingConfigKeys, nextState, planDeployment, previewPlan, resolveDeploymentParams, resolveHealthPolicy, type Plan } from '../engine';
import { budgetOf } from './error-budget';
import { isUuid, parseInput } from './validate';
import { controlActionSchema, controlBodySchema, createDeploymentSchema, hooksSchema, strategyName as strategyNameSchema, type ControlAction } from './schemas';
import { dependencyGraph, findServiceOr404 } from './services';
import { findVersionOr404 } from './versions';

export interface ServiceContext {
  db: Db;
  clock?: Clock;
  /** Lease TTL for new deployments (default 300 s, FLIGHTDECK_LEASE_TTL_SECONDS). */
  leaseTtlSeconds?: number;
}


export function leaseTtl(ctx: ServiceContext): number {
  return ctx.leaseTtlSeconds ?? Number(process.env.FLIGHTDECK_LEASE_TTL_SECONDS ?? DEFAULTS.leaseTtlSeconds);
}

type DbOrTx = Db | Tx;

/** The version serving the service now (from release history), if any. */
export async function liveVersionOf(db: DbOrTx, serviceId: string) {
  const row = await db.releaseHistory.findFirst({ where: { serviceId, until: null }, include: { version: true }, orderBy: { from: 'desc' } });
  return row?.version ?? null;
}

export interface DeployRequest {
  serviceName: string;
  version: string;
  strategy?: string;
  params?: Record<string, unknown>;
  force?: boolean;
  kind?: 'deploy' | 'rollback';
  releaseId?: string;
  reason?: string;
  /** Canary analysis override, merged over the service's analysis defaults. */
  analysis?: Record<string, unknown>;
  /** Deploy through an error-budget freeze (recorded with the actor). */
  override?: boolean;
}

/** Everything a deployment needs decided before acting: plan, preflight, preview. */
export async function prepareDeployment(db: DbOrTx, req: DeployRequest) {
  const service = await findServiceOr404(db, req.serviceName);
  const version = await findVersionOr404(db, service.id, service.name, req.version);
  const live = await liveVersionOf(db, service.id);
  const strategy = strategyNameSchema.parse(req.strategy ?? service.defaultStrategy);
  const { params, analysis } = resolveDeploymentParams({ strategy, service, params: req.params, analysis: req.analysis, kind: req.kind });
  const hooks = hooksSchema.parse(service.hooks);
  const plan: Plan = planDeployment({
    strategy,
    params,
    replicas: service.replicas,
    hasOld: live !== null,
    hooks,
    kind: req.kind ?? 'deploy',
  });
  if (analysis && plan.steps.some((st) => st.kind === 'analysis')) plan.analysis = analysis;
  const health = resolveHealthPolicy(service.health);
  const missing = missingConfigKeys(service.requiredConfigKeys, version.config as Record<string, string>);
  const graph = await dependencyGraph(db);
  const deps = graph[service.name] ?? [];
  const depRows = await db.service.findMany({ where: { name: { in: deps } }, select: { id: true, name: true } });
  // One query at a time: `db` may be a transaction, which has a single connection.
  const dependencies = [];
  for (const r of depRows) dependencies.push({ service: r.name, liveVersion: (await liveVersionOf(db, r.id))?.semver ?? null });
  const lease = await readLease(db, service.id);
  const preview = previewPlan(plan, {
    health,
    drainSeconds: DEFAULTS.drainSeconds,
    missingConfigKeys: missing,
    dependencies,
    lease: lease ? { holder: lease.owner ?? 'waiting for a worker', deploymentId: lease.deploymentId, expiresAt: Date.parse(lease.expiresAt) } : null,
  });
  return { service, version, live, strategy, plan, preview, missing, lease };
}

/** Create a deployment inside an existing transaction (also used by releases and rollbacks). */
export async function createDeploymentTx(
  tx: Tx,
  ctx: ServiceContext,
  req: DeployRequest,
  actor: string,
): Promise<{ id: string }> {
  const clock = ctx.clock ?? systemClock;
  const p = await prepareDeployment(tx, req);
  if (p.missing.length) {
    throw new AppError(
      'invalid',
      `v${p.version.semver} of ${p.service.name} is missing required config keys: ${p.missing.join(', ')}`,
      { missingConfigKeys: p.missing, service: p.service.name, version: p.version.semver },
    );
  }
  if (p.live && p.live.id === p.version.id) {
    throw new AppError('conflict', `v${p.version.semver} is already live on ${p.service.name}; nothing to deploy`, { version: p.version.semver });
  }
  if (p.version.bad && !req.force && req.kind !== 'rollback') {
    throw new AppError('invalid', `v${p.version.semver} of ${p.service.name} is marked bad (${p.version.badReason ?? 'no reason recorded'}); pass force: true to deploy it anyway`, {
      version: p.version.semver,
    });
  }
  const now = new Date(clock.now());
  let budgetOverride: Record<string, unknown> | null = null;
  if (p.service.budgetFreeze && req.kind !== 'rollback') {
    const budget = await budgetOf(tx, p.service, now.getTime());
    if (budget.exhausted) {
      const figures = `${budget.spentMinutes} of ${budget.budgetMinutes} min spent over ${budget.periodDays} days (SLO ${budget.sloAvailability}%)`;
      if (!req.override) {
        throw new AppError('conflict', `the error budget of ${p.service.name} is spent (${figures}); deploys are frozen — an admin may pass override: true`, {
          service: p.service.name,
          budget,
        });
      }
      budgetOverride = { actor, figures, budget };
    }
  }
  const id = randomUUID();
  await createLease(tx, { serviceId: p.service.id, serviceName: p.service.name, deploymentId: id, ttlSeconds: leaseTtl(ctx), now });
  try {
    await tx.deployment.create({
      data: {
        id,
        serviceId: p.service.id,
        activeFor: p.service.id,
        kind: req.kind ?? 'deploy',
        strategy: p.strategy,
        params: toJson(p.plan.params),
        plan: toJson(p.plan),
        fromVersionId: p.live?.id ?? null,
        toVersionId: p.version.id,
        releaseId: req.releaseId ?? null,
        actor,
        reason: req.reason ?? null,
        createdAt: now,
        updatedAt: now,
      },
    });
  } catch (e) {
    if (e instanceof Prisma.PrismaClientKnownRequestError && e.code === 'P2002') {
      throw new AppError('conflict', `service ${p.service.name} already has an active deployment`, { service: p.service.name });
    }
    throw e;
  }
  await appendEvents(
    tx,
    id,
    [
      {
        type: 'deployment_queued',
        message: `${req.kind === 'rollback' ? 'Rollback' : 'Deployment'} of ${p.service.name} to v${p.version.semver} queued by ${actor} (${p.strategy})`,
        data: { strategy: p.strategy, to: p.version.semver, from: p.live?.semver ?? null, kind: req.kind ?? 'deploy', reason: req.reason ?? null },
      },
      ...(budgetOverride
        ? [{ type: 'budget_freeze_overridden', message: `Error-budget freeze overridden by ${actor}: ${String(budgetOverride.figures)}`, data: budgetOverride }]
        : []),
    ],
    actor,
    now,
  );
  await notifyWork(tx, id);
  return { id };
}

export async function createDeployment(ctx: ServiceContext, serviceName: string, input: unknown, actor: string) {
  const body = parseInput(createDeploymentSchema, input);
  const req: DeployRequest = {
    serviceName,
    version: body.version,
    strategy: body.strategy,
    params: body.params,
    force: body.force,
    analysis: body.analysis,
    override: body.override,
  };
  if (body.dryRun) {
    const p = await prepareDeployment(ctx.db, req);
    return { dryRun: true as const, service: p.service.name, from: p.live?.semver ?? null, to: p.version.semver, bad: p.version.bad, preview: p.preview };
  }
  const { id } = await ctx.db.$transaction((tx) => createDeploymentTx(tx, ctx, req, actor));
  return { dryRun: false as const, deployment: await getDeployment(ctx.db, id) };
}

export async function getDeployment(db: Db, id: string) {
  if (!isUuid(id)) throw new AppError('not_found', `deployment ${id} not found`, { id });
  const d = await db.deployment.findUnique({
    where: { id },
    include: { service: { select: { name: true, health: true } }, toVersion: true, fromVersion: true },
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
  const lease = d.activeFor ? await readLease(db, d.serviceId) : null;
  return {
    id: d.id,
    service: d.service.name,
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
    const state = d.state as Parameters<typeof nextState>[0];
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
        if (!step || (step.kind !== 'analysis' && step.kind !== 'hold') || d.progress.revert) {
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
        if (state === 'queued') {
          // No worker has touched anything yet: end it here, in this transaction.
          const service = await tx.deployment.findUniqueOrThrow({ where: { id }, select: { serviceId: true } });
          await tx.deployment.update({ where: { id }, data: { state: 'aborted', phase: 'aborted', activeFor: null, finishedAt: at, reason: why } });
          await tx.lease.deleteMany({ where: { serviceId: service.serviceId, deploymentId: id } });
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
