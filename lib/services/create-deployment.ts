/**
 * Create a deployment: one transaction that passes the gates (or records an admin's override),
 * creates the deployment row with its first events and — unless its environment makes it wait
 * for approvals — the lease a worker claims. The database refuses a second active deployment of
 * a service in one environment.
 */
import { randomUUID } from 'node:crypto';
import { systemClock } from '../clock';
import { Prisma } from '../db/client';
import { AppError } from '../errors/app-error';
import { appendEvents, type NewEvent, type Tx } from '../events/append';
import { createLease } from '../state/leases';
import { toJson } from '../state/deployment-state';
import { notifyWork } from '../state/work';
import { enforceGates } from './gates';
import { prepareDeployment, type DeployRequest } from './prepare-deployment';
import { placementPreview } from './placement-preview';
import { getDeployment, leaseTtl, type ServiceContext } from './deployments';
import { createDeploymentSchema } from './schemas';
import { parseInput } from './validate';
import { noteGateRefusal } from './notifications';

const HOUR = 3_600_000;

/** Create a deployment inside an existing transaction (also used by releases, promotions and rollbacks). */
export async function createDeploymentTx(tx: Tx, ctx: ServiceContext, req: DeployRequest, actor: string): Promise<{ id: string }> {
  const now = new Date((ctx.clock ?? systemClock).now());
  const p = await prepareDeployment(tx, { ...req, requester: actor }, now.getTime());
  const kind = req.kind ?? 'deploy';
  const where = `${p.service.name} in ${p.environment.name}`;
  if (p.missing.length) {
    throw new AppError('invalid', `v${p.version.semver} of ${p.service.name} is missing required config keys: ${p.missing.join(', ')}`, {
      missingConfigKeys: p.missing,
      service: p.service.name,
      version: p.version.semver,
    });
  }
  if (p.runtimeCheck.problems.length) {
    throw new AppError('invalid', `v${p.version.semver} of ${p.service.name} cannot run in ${p.environment.name}: ${p.runtimeCheck.problems.join('; ')}`, {
      problems: p.runtimeCheck.problems,
      service: p.service.name,
      version: p.version.semver,
    });
  }
  // A rollback goes ahead (it pauses until the platform answers); anything else waits for a preflight that could look.
  if (p.runtimeCheck.unavailable && kind !== 'rollback') {
    throw new AppError('invalid', `preflight could not check v${p.version.semver} of ${p.service.name} against the ${p.environment.name} runtime, so nothing was applied: ${p.runtimeCheck.unavailable}`, {
      service: p.service.name,
      version: p.version.semver,
    });
  }
  if (p.live && p.live.id === p.version.id) {
    throw new AppError('conflict', `v${p.version.semver} is already live on ${where}; nothing to deploy`, { version: p.version.semver, environment: p.environment.name });
  }
  if (p.version.bad && !req.force && kind !== 'rollback') {
    throw new AppError('invalid', `v${p.version.semver} of ${p.service.name} is marked bad (${p.version.badReason ?? 'no reason recorded'}); pass force: true to deploy it anyway`, {
      version: p.version.semver,
    });
  }
  const overrides = [...(req.overrides ?? []), ...enforceGates(p.gates, req.override, actor, now.getTime())];
  // Rollbacks never wait for approval: an incident must not be blocked.
  const approvals = kind === 'rollback' || !p.environment.protected ? 0 : p.environment.requiredApprovals;
  const expiresAt = approvals > 0 ? new Date(now.getTime() + p.environment.approvalTtlHours * HOUR) : null;
  const id = randomUUID();
  // A deployment waiting for approval holds its service (activeFor) but no lease: no worker may run it yet.
  if (approvals === 0) {
    await createLease(tx, { serviceId: p.service.id, environmentId: p.environment.id, serviceName: p.service.name, deploymentId: id, ttlSeconds: leaseTtl(ctx), now });
  }
  try {
    await tx.deployment.create({
      data: {
        id,
        serviceId: p.service.id,
        environmentId: p.environment.id,
        activeFor: p.service.id,
        state: approvals > 0 ? 'awaiting_approval' : 'queued',
        approvalsRequired: approvals,
        approvalExpiresAt: expiresAt,
        overrides: toJson(overrides),
        kind,
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
      throw new AppError('conflict', `service ${p.service.name} already has an active deployment in ${p.environment.name}`, {
        service: p.service.name,
        environment: p.environment.name,
      });
    }
    throw e;
  }
  const events: NewEvent[] = [
    {
      type: 'deployment_queued',
      message: `${kind === 'rollback' ? 'Rollback' : 'Deployment'} of ${where} to v${p.version.semver} ${approvals > 0 ? 'requested' : 'queued'} by ${actor} (${p.strategy})`,
      data: { strategy: p.strategy, to: p.version.semver, from: p.live?.semver ?? null, kind, reason: req.reason ?? null, environment: p.environment.name },
    },
    ...overrides.map((o) => ({ type: 'gate_overridden', message: `${o.gate.replace('_', ' ')} gate overridden by ${actor} (${o.reason}): ${o.message}`, data: { ...o } })),
  ];
  if (approvals > 0) {
    events.push({
      type: 'awaiting_approval',
      message: `Waiting for ${approvals} approval${approvals === 1 ? '' : 's'} from approvers other than ${actor}: ${p.environment.name} is protected; the request expires at ${expiresAt!.toISOString()}`,
      data: { required: approvals, expiresAt: expiresAt!.toISOString() },
    });
  }
  await appendEvents(tx, id, events, actor, now);
  if (approvals === 0) await notifyWork(tx, id);
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
    environment: body.environment,
  };
  if (body.dryRun) {
    const p = await prepareDeployment(ctx.db, { ...req, requester: actor }, (ctx.clock ?? systemClock).now());
    return {
      dryRun: true as const,
      service: p.service.name,
      environment: p.environment.name,
      from: p.live?.semver ?? null,
      to: p.version.semver,
      bad: p.version.bad,
      preview: p.preview,
      gates: p.gates,
      placement: await placementPreview(p),
    };
  }
  // The runtime's preflight may ask a cluster: ask it before the transaction, which must stay short.
  const { runtimeCheck } = await prepareDeployment(ctx.db, { ...req, requester: actor }, (ctx.clock ?? systemClock).now()).catch(async (e: unknown) => {
    throw await noteGateRefusal(ctx, e, { service: serviceName, environment: body.environment, version: body.version, actor });
  });
  const { id } = await ctx.db.$transaction((tx) => createDeploymentTx(tx, ctx, { ...req, runtimeCheck }, actor)).catch(async (e: unknown) => {
    // A refusal by a gate is an outcome people subscribe to: told, then answered.
    throw await noteGateRefusal(ctx, e, { service: serviceName, environment: body.environment, version: body.version, actor });
  });
  return { dryRun: false as const, deployment: await getDeployment(ctx.db, id) };
}
