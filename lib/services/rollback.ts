/**
 * One-click rollback. Two shapes:
 *  - a deployment of the service is still in flight (an unfinished canary, a blue-green
 *    inside its scale-down delay, a rolling update): it is aborted with its version marked
 *    bad, and the orchestrator moves traffic back to the version that served before — for
 *    canary and blue-green a routing change only, no new instances and no analysis;
 *  - otherwise: a fast deployment (kind `rollback`) of the previous good version, chosen by
 *    the engine from the release history, after marking the current version bad.
 */
import { systemClock } from '../clock';
import { AppError } from '../errors/app-error';
import { appendEvents } from '../events/append';
import { chooseRollbackTarget } from '../engine';
import { readState, toJson } from '../state/deployment-state';
import { notifyWork } from '../state/work';
import { parseInput } from './validate';
import { rollbackSchema } from './schemas';
import { findServiceOr404 } from './lookup';
import { resolveEnvironment } from './environments';
import { normalizeSemver } from './versions';
import { getDeployment, liveVersionOf, type ServiceContext } from './deployments';
import { createDeploymentTx } from './create-deployment';

/** The engine's rollback choice, from a service's release-history rows and its versions. */
export function chooseFromHistory(args: {
  history: Array<{ versionId: string; from: Date; until: Date | null }>;
  versions: Array<{ id: string; semver: string; bad: boolean }>;
  currentVersionId: string | null;
  toVersion?: string;
  service: string;
}) {
  return chooseRollbackTarget({
    history: args.history.map((h) => ({
      versionId: h.versionId,
      semver: args.versions.find((v) => v.id === h.versionId)?.semver ?? '?',
      from: h.from.getTime(),
      until: h.until?.getTime() ?? null,
    })),
    versions: args.versions.map((v) => ({ id: v.id, semver: v.semver, bad: v.bad })),
    currentVersionId: args.currentVersionId,
    toVersion: args.toVersion,
    service: args.service,
  });
}

export async function rollbackService(ctx: ServiceContext, serviceName: string, input: unknown, actor: string) {
  const body = parseInput(rollbackSchema, input ?? {});
  const clock = ctx.clock ?? systemClock;
  const requested = body.toVersion ? normalizeSemver(body.toVersion) : undefined;
  const result = await ctx.db.$transaction(async (tx) => {
    const service = await findServiceOr404(tx, serviceName);
    const env = await resolveEnvironment(tx, body.environment);
    // Lock the service's active deployment row (if any) against a concurrent rollback.
    const active = (
      await tx.$queryRaw<Array<{ id: string; kind: string; state: string; plan: unknown; control: unknown; progress: unknown }>>`
        SELECT id, kind, state, plan, control, progress FROM deployments
        WHERE active_for = ${service.id}::uuid AND environment_id = ${env.id}::uuid FOR UPDATE`
    ).map((row) => ({ ...row, ...readState(row) }));
    const now = clock.now();
    if (active[0]?.state === 'awaiting_approval' && !body.dryRun) {
      // Nothing ran yet: the waiting request gives way to the rollback (an incident must not wait).
      const waiting = active.shift()!;
      await tx.deployment.update({ where: { id: waiting.id }, data: { state: 'aborted', phase: 'aborted', activeFor: null, finishedAt: new Date(now), reason: `superseded by a rollback by ${actor}` } });
      await appendEvents(tx, waiting.id, [{ type: 'deployment_aborted', message: `Aborted: ${actor} rolled ${serviceName} back in ${env.name} while this waited for approval`, data: { reason: 'superseded by a rollback' } }], actor, new Date(now));
    } else if (active[0]?.state === 'awaiting_approval') {
      active.shift();
    }
    if (active[0]) {
      const a = active[0];
      const d = await tx.deployment.findUniqueOrThrow({ where: { id: a.id }, include: { fromVersion: true, toVersion: true } });
      if (a.kind === 'rollback' || a.control.abort || a.progress.revert) {
        throw new AppError('conflict', `a rollback of ${serviceName} is already in progress (deployment ${a.id})`, { deploymentId: a.id });
      }
      const target = d.fromVersion;
      if (requested && requested !== target?.semver) {
        throw new AppError(
          'conflict',
          `deployment ${a.id} of v${d.toVersion.semver} is in progress; a rollback now returns to ${target ? `v${target.semver}` : 'nothing'} — abort it first to choose v${requested}`,
          { deploymentId: a.id },
        );
      }
      const plan = { mode: 'abort-in-flight' as const, environment: env.name, deploymentId: a.id, from: d.toVersion.semver, target: target?.semver ?? null, skipped: [] };
      if (body.dryRun) return { ...plan, dryRun: true };
      const reason = `rolled back by ${actor}`;
      await tx.deployment.update({ where: { id: a.id }, data: { control: toJson({ ...a.control, abort: { actor, reason, markBad: true, at: now } }) } });
      await appendEvents(
        tx,
        a.id,
        [{ type: 'rollback_requested', message: `Rollback requested by ${actor}: traffic returns to ${target ? `v${target.semver}` : 'nothing'}, v${d.toVersion.semver} will be marked bad`, data: { target: target?.semver ?? null } }],
        actor,
        new Date(now),
      );
      await notifyWork(tx, a.id);
      return { ...plan, dryRun: false };
    }

    const current = await liveVersionOf(tx, service.id, env.id);
    const history = await tx.releaseHistory.findMany({ where: { serviceId: service.id, environmentId: env.id }, orderBy: { from: 'asc' } });
    const versions = await tx.version.findMany({ where: { serviceId: service.id } });
    const choice = chooseFromHistory({ history, versions, currentVersionId: current?.id ?? null, toVersion: requested, service: serviceName });
    const plan = { mode: 'deployment' as const, environment: env.name, from: current?.semver ?? null, target: choice.target.semver, skipped: choice.skipped };
    if (body.dryRun) return { ...plan, deploymentId: null, dryRun: true };
    if (current) {
      await tx.version.update({
        where: { id: current.id },
        data: { bad: true, badReason: `rolled back to v${choice.target.semver} by ${actor}`, markedBadAt: new Date(now) },
      });
    }
    const { id } = await createDeploymentTx(
      tx,
      ctx,
      {
        serviceName,
        environment: env.name,
        version: choice.target.semver,
        strategy: 'blue-green',
        kind: 'rollback',
        reason: `rollback from v${current?.semver ?? '?'} by ${actor}`,
      },
      actor,
    );
    return { ...plan, deploymentId: id, dryRun: false };
  });
  return { ...result, deployment: result.deploymentId && !result.dryRun ? await getDeployment(ctx.db, result.deploymentId) : null };
}
