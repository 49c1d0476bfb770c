/**
 * Multi-service releases: items deployed wave by wave in dependency order (dependencies
 * first, independent services together). Workers advance releases; a row lock with SKIP
 * LOCKED lets any number of them share the work without doing a wave twice. A release of kind
 * `rollback` (release-rollback.ts) moves the same way, each item by a one-service rollback.
 */
import { systemClock } from '../clock';
import type { Db } from '../db/client';
import { AppError, isAppError } from '../errors/app-error';
import { dependencyWaves } from '../engine';
import { isUuid, parseInput } from './validate';
import { createReleaseSchema } from './schemas';
import { dependencyGraph } from './services';
import { resolveEnvironment } from './environments';
import { normalizeSemver } from './versions';
import { type ServiceContext } from './deployments';
import { createDeploymentTx } from './create-deployment';
import { rollbackInTx } from './rollback';
import { noteGateRefusal } from './notifications';
import { notifyWork } from '../state/work';
import type { Tx } from '../events/append';

export async function createRelease(ctx: ServiceContext, input: unknown, actor: string) {
  const body = parseInput(createReleaseSchema, input);
  const names = body.items.map((i) => i.service);
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup) throw new AppError('invalid', `service ${dup} appears twice in the release`, { service: dup });
  const id = await ctx.db.$transaction(async (tx) => {
    const services = await tx.service.findMany({ where: { name: { in: names } } });
    const missing = names.filter((n) => !services.some((s) => s.name === n));
    if (missing.length) throw new AppError('not_found', `services not found: ${missing.join(', ')}`, { missing });
    const items = [];
    for (const item of body.items) {
      const service = services.find((s) => s.name === item.service)!;
      const semver = normalizeSemver(item.version);
      const version = await tx.version.findUnique({ where: { serviceId_semver: { serviceId: service.id, semver } } });
      if (!version) throw new AppError('not_found', `version ${semver} of ${item.service} not found`, { service: item.service, version: semver });
      items.push({ service, version });
    }
    const waves = dependencyWaves(names, await dependencyGraph(tx)); // 422 naming a cycle
    const env = await resolveEnvironment(tx, body.environment);
    const release = await tx.release.create({
      data: {
        environmentId: env.id,
        strategy: body.strategy ?? null,
        waves,
        actor,
        items: {
          create: items.map(({ service, version }) => ({
            serviceId: service.id,
            versionId: version.id,
            wave: waves.findIndex((w) => w.includes(service.name)),
          })),
        },
      },
    });
    await notifyWork(tx, release.id);
    return release.id;
  });
  return getRelease(ctx.db, id);
}

export async function getRelease(db: Db, id: string) {
  if (!isUuid(id)) throw new AppError('not_found', `release ${id} not found`, { id });
  const r = await db.release.findUnique({
    where: { id },
    include: {
      environment: { select: { name: true } },
      rollbacks: { select: { id: true, state: true }, orderBy: { createdAt: 'desc' } },
      items: {
        include: {
          service: { select: { name: true } },
          version: { select: { semver: true } },
          deployment: { select: { id: true, state: true, phase: true, startedAt: true, finishedAt: true } },
        },
        orderBy: [{ wave: 'asc' }],
      },
    },
  });
  if (!r) throw new AppError('not_found', `release ${id} not found`, { id });
  return {
    id: r.id,
    environment: r.environment.name,
    kind: r.kind as 'deploy' | 'rollback',
    /** For a rollback: the release it rolls back. */
    rollbackOf: r.rollbackOfId,
    /** Rollbacks of this release, newest first. */
    rollbacks: r.rollbacks,
    state: r.state,
    strategy: r.strategy,
    waves: r.waves as string[][],
    currentWave: r.currentWave,
    actor: r.actor,
    reason: r.reason,
    createdAt: r.createdAt.toISOString(),
    finishedAt: r.finishedAt?.toISOString() ?? null,
    items: r.items.map((i) => ({
      service: i.service.name,
      version: i.version.semver,
      wave: i.wave,
      deployment: i.deployment
        ? {
            id: i.deployment.id,
            state: i.deployment.state,
            phase: i.deployment.phase,
            startedAt: i.deployment.startedAt?.toISOString() ?? null,
            finishedAt: i.deployment.finishedAt?.toISOString() ?? null,
          }
        : null,
    })),
  };
}

/** Releases, newest first, each with its items' outcome. */
export async function listReleases(db: Db, limit = 50) {
  const rows = await db.release.findMany({ orderBy: { createdAt: 'desc' }, take: limit, select: { id: true } });
  return Promise.all(rows.map((r) => getRelease(db, r.id)));
}

/** Move every running release one wave along where possible. Returns how many changed. */
export async function advanceReleases(ctx: ServiceContext): Promise<number> {
  const clock = ctx.clock ?? systemClock;
  let changed = 0;
  const running = await ctx.db.release.findMany({ where: { state: 'running' }, select: { id: true } });
  for (const { id } of running) {
    const did = await ctx.db.$transaction(async (tx) => {
      const locked = await tx.$queryRaw<Array<{ id: string; current_wave: number; actor: string; strategy: string | null; environment: string; kind: string; options: unknown }>>`
        SELECT r.id, r.current_wave, r.actor, r.strategy, e.name AS environment, r.kind, r.options
        FROM releases r JOIN environments e ON e.id = r.environment_id
        WHERE r.id = ${id}::uuid AND r.state = 'running' FOR UPDATE OF r SKIP LOCKED`;
      const r = locked[0];
      if (!r) return false;
      const items = await tx.releaseItem.findMany({
        where: { releaseId: id },
        include: { service: true, version: true, deployment: { select: { state: true } } },
      });
      const now = new Date(clock.now());
      const wave = items.filter((i) => i.wave === r.current_wave);
      if (wave.length === 0) {
        await tx.release.update({ where: { id }, data: { state: 'succeeded', finishedAt: now } });
        return true;
      }
      const failed = wave.find((i) => i.deployment && (i.deployment.state === 'failed' || i.deployment.state === 'aborted'));
      if (failed) {
        await tx.release.update({ where: { id }, data: { state: 'failed', finishedAt: now, reason: stopped(r, items, `${failed.service.name} v${failed.version.semver} ${failed.deployment!.state}`) } });
        return true;
      }
      const notStarted = wave.filter((i) => !i.deploymentId);
      if (notStarted.length) {
        for (const item of notStarted) {
          // A refused item must leave nothing behind (a version marked bad, a lease): undo to here.
          await tx.$executeRaw`SAVEPOINT release_item`;
          try {
            const deploymentId = r.kind === 'rollback' ? await startItemRollback(tx, ctx, r, item) : (
              await createDeploymentTx(tx, ctx, { serviceName: item.service.name, version: item.version.semver, strategy: r.strategy ?? undefined, releaseId: id, environment: r.environment }, r.actor)
            ).id;
            await tx.releaseItem.update({ where: { id: item.id }, data: { deploymentId } });
          } catch (e) {
            if (!isAppError(e)) throw e;
            await tx.$executeRaw`ROLLBACK TO SAVEPOINT release_item`;
            await noteGateRefusal(ctx, e, { service: item.service.name, environment: r.environment, version: item.version.semver, actor: r.actor }, tx);
            await tx.release.update({ where: { id }, data: { state: 'failed', finishedAt: now, reason: stopped(r, items, `${item.service.name}: ${e.message}`) } });
            return true;
          }
        }
        return true;
      }
      if (wave.every((i) => i.deployment?.state === 'succeeded')) {
        await tx.release.update({ where: { id }, data: { currentWave: r.current_wave + 1 } });
        return true;
      }
      return false;
    });
    if (did) changed++;
  }
  return changed;
}

/** Why a release stopped, naming the wave and what it left undone. */
function stopped(r: { current_wave: number; kind: string }, items: Array<{ wave: number; service: { name: string }; deploymentId: string | null }>, what: string): string {
  const waves = new Set(items.map((i) => i.wave)).size;
  const left = items.filter((i) => i.wave > r.current_wave || (i.wave === r.current_wave && !i.deploymentId)).map((i) => i.service.name);
  const verb = r.kind === 'rollback' ? 'rolled back' : 'deployed';
  return `wave ${r.current_wave + 1} of ${waves} failed: ${what}${left.length ? `; not ${verb}: ${left.join(', ')}` : '; later waves not started'}`;
}

/** Start one service's rollback for a rollback release's wave (inside the advancing transaction). */
async function startItemRollback(
  tx: Tx,
  ctx: ServiceContext,
  release: { id: string; environment: string; actor: string; options: unknown },
  item: { service: { name: string }; version: { semver: string } },
): Promise<string> {
  const o = (release.options ?? {}) as { emergency?: boolean; override?: { reason: string } };
  const r = await rollbackInTx(
    tx,
    ctx,
    {
      serviceName: item.service.name,
      environment: release.environment,
      toVersion: item.version.semver,
      dryRun: false,
      emergency: o.emergency ?? true,
      override: o.override,
      releaseId: release.id,
      reason: `release rollback ${release.id.slice(0, 8)} by ${release.actor}`,
    },
    release.actor,
  );
  if (r.mode !== 'deployment' || !r.deploymentId) {
    throw new AppError('conflict', `a deployment of ${item.service.name} is in flight; roll it back on its own first`, { service: item.service.name });
  }
  return r.deploymentId;
}
