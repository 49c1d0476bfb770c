/**
 * Rolling back a whole release: every service the release moved goes back to the version that
 * served before it, in REVERSE dependency waves (dependents first — api-gateway leaves the new
 * auth-service API before auth-service goes back). The rollback is a release of its own (kind
 * `rollback`), advanced wave by wave by the same worker tick as any release, each service by
 * the one-service rollback (warm switch, rollback hooks, migrations); a wave that fails stops
 * the rest and the release says which service failed and which were not rolled back.
 *
 * Only what the release did and still serves is rolled back: a service whose deployment failed
 * (it is back already), never ran, or has been replaced since is left alone, with the reason.
 * A release with a deployment still in flight is refused: roll that service back on its own
 * (which aborts it) or wait for the release to end.
 */
import type { Prisma } from '../db/client';
import { AppError } from '../errors/app-error';
import type { Tx } from '../events/append';
import { notifyWork } from '../state/work';
import { isUuid, parseInput } from './validate';
import { releaseRollbackSchema } from './schemas';
import { liveVersionOf, type ServiceContext } from './deployments';
import { rollbackInTx } from './rollback';
import { getRelease } from './releases';

type Preview = Awaited<ReturnType<typeof rollbackInTx>>;

export interface ReleaseRollbackPlan {
  releaseId: string;
  environment: string;
  /** Services per wave, in the order they roll back (dependents first). */
  waves: string[][];
  items: Array<{ service: string; wave: number; from: string; to: string; preview: Preview }>;
  skipped: Array<{ service: string; reason: string }>;
}

async function lockRelease(tx: Tx, id: string) {
  if (!isUuid(id)) throw new AppError('not_found', `release ${id} not found`, { id });
  const rows = await tx.$queryRaw<Array<{ id: string }>>`SELECT id FROM releases WHERE id = ${id}::uuid FOR UPDATE`;
  if (!rows[0]) throw new AppError('not_found', `release ${id} not found`, { id });
  return tx.release.findUniqueOrThrow({
    where: { id },
    include: {
      environment: true,
      rollbacks: { select: { id: true, state: true } },
      items: { include: { service: true, version: true, deployment: { include: { fromVersion: true } } } },
    },
  });
}

/** What rolling the release back would do: per service, from which version to which, in which wave. */
async function planReleaseRollback(tx: Tx, ctx: ServiceContext, id: string, opts: { emergency: boolean; actor: string }): Promise<ReleaseRollbackPlan> {
  const r = await lockRelease(tx, id);
  if (r.kind === 'rollback') throw new AppError('conflict', `release ${id} is itself a rollback (of release ${r.rollbackOfId}); roll its services back one by one instead`, { release: id });
  const busy = r.rollbacks.find((x) => x.state === 'running');
  if (busy) throw new AppError('conflict', `release ${id} is already being rolled back (release ${busy.id})`, { rollback: busy.id });
  const inFlight = r.items.filter((i) => i.deployment && ['queued', 'running', 'paused', 'awaiting_approval'].includes(i.deployment.state));
  if (inFlight.length) {
    const names = inFlight.map((i) => `${i.service.name} (deployment ${i.deployment!.id})`).join(', ');
    throw new AppError('conflict', `release ${id} still has deployments in flight: ${names} — roll those services back one by one (that aborts them) or wait for the release to end`, {
      inFlight: inFlight.map((i) => i.deployment!.id),
    });
  }
  const waves = (r.waves as string[][]).slice().reverse();
  const items: ReleaseRollbackPlan['items'] = [];
  const skipped: ReleaseRollbackPlan['skipped'] = [];
  for (const wave of waves) {
    for (const name of wave) {
      const item = r.items.find((i) => i.service.name === name);
      const d = item?.deployment;
      const live = item ? await liveVersionOf(tx, item.serviceId, r.environmentId) : null;
      let why: string | null = null;
      if (!item || !d) why = 'this release never deployed it';
      else if (d.state !== 'succeeded') why = `its deployment ${d.state}: it is back on ${d.fromVersion ? `v${d.fromVersion.semver}` : 'nothing'} already`;
      else if (!d.fromVersion) why = `v${item.version.semver} was its first version: there is nothing to roll back to`;
      else if (live?.id !== item.versionId) why = `it now serves ${live ? `v${live.semver}` : 'nothing'}, not this release's v${item.version.semver}: left alone`;
      if (why) {
        skipped.push({ service: name, reason: why });
        continue;
      }
      const preview = await rollbackInTx(tx, ctx, { serviceName: name, environment: r.environment.name, toVersion: d!.fromVersion!.semver, dryRun: true, emergency: opts.emergency }, opts.actor);
      items.push({ service: name, wave: -1, from: item!.version.semver, to: d!.fromVersion!.semver, preview });
    }
  }
  // Number the waves that have something to do, in rollback order.
  const effective = waves.map((w) => w.filter((n) => items.some((i) => i.service === n))).filter((w) => w.length > 0);
  for (const i of items) i.wave = effective.findIndex((w) => w.includes(i.service));
  return { releaseId: id, environment: r.environment.name, waves: effective, items, skipped };
}

/**
 * POST /api/v1/releases/{id}/rollback: the plan (dry run), or the rollback release that carries
 * it out. Irreversible migrations anywhere refuse it unless an admin overrides with a reason.
 */
export async function rollbackRelease(ctx: ServiceContext, id: string, input: unknown, actor: string) {
  const body = parseInput(releaseRollbackSchema, input ?? {});
  const result = await ctx.db.$transaction(async (tx) => {
    const plan = await planReleaseRollback(tx, ctx, id, { emergency: body.emergency, actor });
    if (body.dryRun) return { plan, releaseId: null };
    if (plan.items.length === 0) {
      throw new AppError('conflict', `nothing of release ${id} to roll back: ${plan.skipped.map((s) => `${s.service} — ${s.reason}`).join('; ')}`, { skipped: plan.skipped });
    }
    const refusing = plan.items.filter((i) => i.preview.migrations.irreversible.length > 0);
    if (refusing.length && !body.override) {
      throw new AppError('conflict', `${refusing.map((i) => i.preview.migrations.refusal).join('; ')}`, { services: refusing.map((i) => i.service) });
    }
    if (refusing.length && body.override === true) {
      throw new AppError('invalid', 'override: an override needs a reason — pass override: {"reason": "…"}', { field: 'override' });
    }
    const original = await tx.release.findUniqueOrThrow({ where: { id } });
    const made = await tx.release.create({
      data: {
        environmentId: original.environmentId,
        kind: 'rollback',
        rollbackOfId: id,
        waves: plan.waves,
        actor,
        options: { emergency: body.emergency, ...(typeof body.override === 'object' ? { override: body.override } : {}) } as Prisma.InputJsonValue,
        items: {
          create: await Promise.all(
            plan.items.map(async (i) => {
              const service = await tx.service.findUniqueOrThrow({ where: { name: i.service } });
              const version = await tx.version.findUniqueOrThrow({ where: { serviceId_semver: { serviceId: service.id, semver: i.to } } });
              return { serviceId: service.id, versionId: version.id, wave: i.wave };
            }),
          ),
        },
      },
    });
    await notifyWork(tx, made.id);
    return { plan, releaseId: made.id };
  });
  return { dryRun: body.dryRun, ...result.plan, release: result.releaseId ? await getRelease(ctx.db, result.releaseId) : null };
}
