/**
 * Promotion: take a version from one environment to the next, with the strategy configured for
 * the target environment (the service's default otherwise). It is a deployment like any other —
 * the same gates (success and soak in the environment before, freezes, budget), approvals and
 * overrides — with the version and the target worked out from where the version already runs.
 */
import { systemClock } from '../clock';
import { AppError } from '../errors/app-error';
import { createDeploymentTx } from './create-deployment';
import { getDeployment, liveVersionOf, type ServiceContext } from './deployments';
import { promoteSchema } from './environment-schemas';
import { findEnvironmentOr404, listEnvironmentRows, predecessorOf, type EnvironmentRow } from './environments';
import { prepareDeployment, type DeployRequest } from './prepare-deployment';
import { findServiceOr404 } from './services';
import { normalizeSemver } from './versions';
import { parseInput } from './validate';
import { noteGateRefusal } from './notifications';

export async function promoteVersion(ctx: ServiceContext, serviceName: string, input: unknown, actor: string) {
  const body = parseInput(promoteSchema, input ?? {});
  const db = ctx.db;
  const service = await findServiceOr404(db, serviceName);
  const envs = await listEnvironmentRows(db);
  let target: EnvironmentRow;
  let version: string;
  if (body.to) {
    target = await findEnvironmentOr404(db, body.to);
    const from = await predecessorOf(db, target);
    if (!from) throw new AppError('invalid', `to: ${target.name} is the first environment; deploy to it instead of promoting`, { field: 'to', value: target.name });
    const live = await liveVersionOf(db, service.id, from.id);
    if (!body.version && !live) throw new AppError('conflict', `nothing to promote: ${service.name} has no live version in ${from.name}`, { environment: from.name });
    version = body.version ? normalizeSemver(body.version) : live!.semver;
  } else {
    if (!body.version) throw new AppError('invalid', 'name the version to promote or the environment to promote to (version, to)', { field: 'version' });
    version = normalizeSemver(body.version);
    // The version's furthest environment, then the one after it.
    let furthest: EnvironmentRow | null = null;
    for (const e of envs) if ((await liveVersionOf(db, service.id, e.id))?.semver === version) furthest = e;
    if (!furthest) throw new AppError('conflict', `v${version} of ${service.name} is not live in any environment; deploy it to ${envs[0]?.name ?? 'the first environment'} first`, { version });
    const next = envs.find((e) => e.order > furthest!.order);
    if (!next) throw new AppError('conflict', `v${version} is already live in ${furthest.name}, the last environment`, { version, environment: furthest.name });
    target = next;
  }
  const from = await predecessorOf(db, target);
  const req: DeployRequest = {
    serviceName: service.name,
    version,
    environment: target.name,
    strategy: target.strategy ?? undefined,
    override: body.override,
    reason: `promoted from ${from?.name ?? '?'} by ${actor}`,
  };
  if (body.dryRun) {
    const p = await prepareDeployment(db, { ...req, requester: actor }, (ctx.clock ?? systemClock).now());
    return { dryRun: true as const, service: service.name, version, from: from?.name ?? null, to: target.name, strategy: p.strategy, preview: p.preview, gates: p.gates, deployment: null };
  }
  const { id } = await db.$transaction((tx) => createDeploymentTx(tx, ctx, req, actor)).catch(async (e: unknown) => {
    throw await noteGateRefusal(ctx, e, { service: service.name, environment: target.name, version, actor });
  });
  return { dryRun: false as const, service: service.name, version, from: from?.name ?? null, to: target.name, deployment: await getDeployment(db, id) };
}
