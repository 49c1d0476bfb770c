/**
 * One-click rollback, in one environment. Two shapes:
 *  - a deployment of the service is still in flight (an unfinished canary, a blue-green
 *    inside its scale-down delay, a rolling update): it is aborted with its version marked
 *    bad, and the orchestrator moves traffic back to the version that served before — for
 *    canary and blue-green a routing change only, no new instances and no analysis;
 *  - otherwise: a fast deployment (kind `rollback`) of the previous good version, chosen by
 *    the engine from the release history, after marking the current version bad. Inside the
 *    warm rollback window that version's instances still run: the rollback is a traffic switch.
 * Either way the rollback hooks run around it, the migrations it passes are undone first (an
 * irreversible one refuses it, unless an admin overrides with a reason — recorded), and the
 * answer says what it undoes. Rollbacks pass every gate and never wait for approval.
 */
import { systemClock } from '../clock';
import { AppError } from '../errors/app-error';
import { appendEvents, type Tx } from '../events/append';
import { irreversibleRefusal } from '../engine';
import { readState, toJson } from '../state/deployment-state';
import { notifyWork } from '../state/work';
import { parseInput } from './validate';
import { rollbackSchema } from './schemas';
import { findServiceOr404 } from './lookup';
import { resolveEnvironment } from './environments';
import { normalizeSemver } from './versions';
import { getDeployment, liveVersionOf, type ServiceContext } from './deployments';
import { createDeploymentTx } from './create-deployment';
import { decideRollback, type RollbackDecision } from './rollback-decision';
import type { Override, OverrideRequest } from './gates';

export { chooseFromHistory } from './rollback-target';

export interface RollbackRequest {
  serviceName: string;
  environment?: string | null;
  toVersion?: string;
  dryRun: boolean;
  override?: OverrideRequest;
  emergency: boolean;
  /** A release rollback's own release, for the deployment it creates. */
  releaseId?: string;
  reason?: string;
}

/** What the API answers: the decision in the shape people read, and what was done. */
function present(d: RollbackDecision, dryRun: boolean, deploymentId: string | null, refusal: string | null) {
  return {
    mode: d.mode,
    environment: d.environment,
    deploymentId,
    from: d.from,
    target: d.target?.semver ?? null,
    skipped: d.skipped,
    dryRun,
    warm: d.warm,
    startsInstances: d.startsInstances,
    estimatedSeconds: d.estimatedSeconds,
    migrations: { undone: d.migrations.undone, irreversible: d.migrations.irreversible, refusal },
    hooks: d.hooks,
    undoes: d.undoes,
  };
}

/** Irreversible migrations refuse the rollback unless overridden with a reason; returns what to record. */
function migrationOverrides(service: string, d: RollbackDecision, override: OverrideRequest, actor: string, now: number): Override[] {
  if (d.migrations.irreversible.length === 0 || !d.target) return [];
  const refusal = irreversibleRefusal(service, d.target.semver, d.migrations.irreversible);
  if (!override) throw refusal;
  if (override === true) throw new AppError('invalid', `override: an override needs a reason — pass override: {"reason": "…"} (${refusal.message})`, { field: 'override' });
  const message = `rolling back past irreversible migration(s) ${d.migrations.irreversible.map((m) => `${m.id} (v${m.version})`).join(', ')}`;
  return [{ gate: 'migration', message, reason: override.reason, actor, at: new Date(now).toISOString() }];
}

/** Decide and, unless it is a dry run, start the rollback — inside the caller's transaction. */
export async function rollbackInTx(tx: Tx, ctx: ServiceContext, req: RollbackRequest, actor: string) {
  const clock = ctx.clock ?? systemClock;
  const now = clock.now();
  const requested = req.toVersion ? normalizeSemver(req.toVersion) : undefined;
  const service = await findServiceOr404(tx, req.serviceName);
  const env = await resolveEnvironment(tx, req.environment);
  // Lock the service's active deployment row (if any) against a concurrent rollback.
  const rows = (
    await tx.$queryRaw<Array<{ id: string; kind: string; state: string; cursor: number; plan: unknown; control: unknown; progress: unknown }>>`
      SELECT id, kind, state, cursor, plan, control, progress FROM deployments
      WHERE active_for = ${service.id}::uuid AND environment_id = ${env.id}::uuid FOR UPDATE`
  ).map((row) => ({ ...row, ...readState(row) }));
  let a = rows[0] ?? null;
  if (a?.state === 'awaiting_approval') {
    if (!req.dryRun) {
      // Nothing ran yet: the waiting request gives way to the rollback (an incident must not wait).
      await tx.deployment.update({ where: { id: a.id }, data: { state: 'aborted', phase: 'aborted', activeFor: null, finishedAt: new Date(now), reason: `superseded by a rollback by ${actor}` } });
      await appendEvents(tx, a.id, [{ type: 'deployment_aborted', message: `Aborted: ${actor} rolled ${service.name} back in ${env.name} while this waited for approval`, data: { reason: 'superseded by a rollback', byRollback: true } }], actor, new Date(now));
    }
    a = null;
  }
  if (a && (a.kind === 'rollback' || a.control.abort || a.progress.revert)) {
    throw new AppError('conflict', `a rollback of ${service.name} is already in progress (deployment ${a.id})`, { deploymentId: a.id });
  }
  const active = a ? await tx.deployment.findUniqueOrThrow({ where: { id: a.id }, include: { fromVersion: true, toVersion: true } }) : null;
  if (active && requested && requested !== active.fromVersion?.semver) {
    const back = active.fromVersion ? `v${active.fromVersion.semver}` : 'nothing';
    throw new AppError('conflict', `deployment ${active.id} of v${active.toVersion.semver} is in progress; a rollback now returns to ${back} — abort it first to choose v${requested}`, {
      deploymentId: active.id,
    });
  }
  const current = active ? null : await liveVersionOf(tx, service.id, env.id);
  const d = await decideRollback(tx, { service, env, active: active && { ...active, state: active.state, cursor: active.cursor }, current, requested, emergency: req.emergency, now, actor });
  if (req.dryRun) {
    const refusal = d.migrations.irreversible.length && d.target ? irreversibleRefusal(service.name, d.target.semver, d.migrations.irreversible).message : null;
    return present(d, true, d.inFlightId, refusal);
  }
  const overrides = migrationOverrides(service.name, d, req.override, actor, now);
  const at = new Date(now);

  if (d.mode === 'abort-in-flight') {
    const id = d.inFlightId!;
    const back = d.target ? `v${d.target.semver}` : 'nothing';
    const reason = req.reason ?? `rolled back by ${actor}`;
    const rollback = { downs: d.migrations.downs, emergency: req.emergency };
    const recorded = [...((active!.overrides as unknown[]) ?? []), ...overrides];
    await tx.deployment.update({ where: { id }, data: { control: toJson({ ...a!.control, abort: { actor, reason, markBad: true, at: now, rollback } }), overrides: toJson(recorded) } });
    await appendEvents(
      tx,
      id,
      [
        ...overrides.map((o) => ({ type: 'gate_overridden', message: `migration gate overridden by ${actor} (${o.reason}): ${o.message}`, data: { ...o } })),
        { type: 'rollback_requested', message: `Rollback requested by ${actor}: traffic returns to ${back}, v${d.from} will be marked bad`, data: { target: d.target?.semver ?? null, migrations: d.migrations.undone } },
      ],
      actor,
      at,
    );
    await notifyWork(tx, id);
    return present(d, false, id, null);
  }

  const target = d.target!;
  if (d.fromVersion) {
    await tx.version.update({ where: { id: d.fromVersion.id }, data: { bad: true, badReason: `rolled back to v${target.semver} by ${actor}`, markedBadAt: at } });
  }
  const { id } = await createDeploymentTx(
    tx,
    ctx,
    {
      serviceName: service.name,
      environment: env.name,
      version: target.semver,
      strategy: 'blue-green',
      kind: 'rollback',
      releaseId: req.releaseId,
      reason: req.reason ?? `rollback from v${d.from ?? '?'} by ${actor}${d.warm ? ' (warm: a traffic switch)' : ''}`,
      rollback: { targetRunning: d.targetRunning, downs: d.migrations.downs, emergency: req.emergency },
      overrides,
    },
    actor,
  );
  return present(d, false, id, null);
}

export async function rollbackService(ctx: ServiceContext, serviceName: string, input: unknown, actor: string) {
  const body = parseInput(rollbackSchema, input ?? {});
  const result = await ctx.db.$transaction((tx) => rollbackInTx(tx, ctx, { serviceName, environment: body.environment, toVersion: body.toVersion, dryRun: body.dryRun, override: body.override, emergency: body.emergency }, actor));
  return { ...result, deployment: result.deploymentId && !result.dryRun ? await getDeployment(ctx.db, result.deploymentId) : null };
}
