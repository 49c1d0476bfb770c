/**
 * Everything a deployment needs decided before it acts — the environment, the version live
 * there, the plan, the preview with its preflight, and the gates — computed the same way for a
 * dry run and for the real thing.
 */
import type { Db } from '../db/client';
import type { Tx } from '../events/append';
import { readLease } from '../state/leases';
import { DEFAULTS, missingConfigKeys, planDeployment, planExtras, previewPlan, resolveDeploymentParams, resolveHealthPolicy, resolveRollbackPolicy, type MigrationDown, type Plan } from '../engine';
import { hooksSchema, strategyName as strategyNameSchema } from './schemas';
import { resolveEnvironment } from './environments';
import { evaluateGates, type OverrideRequest } from './gates';
import { liveVersionOf } from './live';
import { dependencyGraph } from './services';
import { findServiceOr404 } from './lookup';
import { findVersionOr404 } from './versions';
import { checkWithRuntime, type RuntimeCheck } from './runtime-preflight';

type DbOrTx = Db | Tx;

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
  /** The environment to deploy to; the first one when absent. */
  environment?: string | null;
  /** Deploy through refusing gates (admins; a reason is required, and recorded). */
  override?: OverrideRequest;
  /** Who asks (approvals must come from someone else). */
  requester?: string;
  /** The runtime's preflight, when the caller already asked it (outside a database transaction). */
  runtimeCheck?: RuntimeCheck;
  /** A rollback: target slots still warm, the migrations' down hooks, emergency or not. */
  rollback?: { targetRunning: number[]; downs: MigrationDown[]; emergency: boolean };
  /** Refusals an admin overrode before the gates (irreversible migrations), to be recorded. */
  overrides?: Array<{ gate: string; message: string; reason: string; actor: string; at: string }>;
}

/** Everything a deployment needs decided before acting: plan, preflight, preview. */
export async function prepareDeployment(db: DbOrTx, req: DeployRequest, now: number) {
  const service = await findServiceOr404(db, req.serviceName);
  const version = await findVersionOr404(db, service.id, service.name, req.version);
  const environment = await resolveEnvironment(db, req.environment);
  const live = await liveVersionOf(db, service.id, environment.id);
  const strategy = strategyNameSchema.parse(req.strategy ?? service.defaultStrategy);
  const { params, analysis } = resolveDeploymentParams({ strategy, service, params: req.params, analysis: req.analysis, kind: req.kind });
  const hooks = hooksSchema.parse(service.hooks);
  const kind = req.kind ?? 'deploy';
  const plan: Plan = planDeployment({
    strategy,
    params,
    replicas: service.replicas,
    hasOld: live !== null,
    hooks,
    kind,
    // The warm rollback window and post-promotion analysis, from the service's rollback policy.
    ...planExtras(resolveRollbackPolicy(service.rollbackPolicy), service.replicas, { hasOld: live !== null, kind }),
    ...(req.rollback ? { targetRunning: req.rollback.targetRunning, migrationDowns: req.rollback.downs, emergency: req.rollback.emergency } : {}),
  });
  if (analysis && plan.steps.some((st) => st.kind === 'analysis')) plan.analysis = analysis;
  const health = resolveHealthPolicy(service.health);
  // The environment's runtime knows every place config comes from there (a ConfigMap, a Secret); without a preflight of its own, the version's config is all.
  const runtimeCheck = req.runtimeCheck ?? (await checkWithRuntime({ environment, service, health, version, plan }));
  const missing = runtimeCheck.missingConfigKeys ?? missingConfigKeys(service.requiredConfigKeys, version.config as Record<string, string>);
  const graph = await dependencyGraph(db);
  const deps = graph[service.name] ?? [];
  const depRows = await db.service.findMany({ where: { name: { in: deps } }, select: { id: true, name: true } });
  // One query at a time: `db` may be a transaction, which has a single connection.
  const dependencies = [];
  for (const r of depRows) dependencies.push({ service: r.name, liveVersion: (await liveVersionOf(db, r.id, environment.id))?.semver ?? null });
  const lease = await readLease(db, service.id, environment.id);
  const preview = previewPlan(plan, {
    hooks,
    health,
    drainSeconds: DEFAULTS.drainSeconds,
    missingConfigKeys: missing,
    dependencies,
    lease: lease ? { holder: lease.owner ?? 'waiting for a worker', deploymentId: lease.deploymentId, expiresAt: Date.parse(lease.expiresAt) } : null,
  });
  const unavailable = runtimeCheck.unavailable ? [`preflight could not check the version against the ${environment.name} runtime: ${runtimeCheck.unavailable}`] : [];
  preview.preflight.problems.push(...runtimeCheck.problems, ...(req.kind === 'rollback' ? [] : unavailable));
  preview.preflight.warnings.push(...runtimeCheck.warnings, ...(req.kind === 'rollback' ? unavailable : []));
  preview.preflight.ok = preview.preflight.problems.length === 0;
  const gates = await evaluateGates(db, { service, version, environment, kind: req.kind ?? 'deploy', requester: req.requester ?? 'you', now });
  return { service, version, environment, live, strategy, plan, preview, missing, lease, gates, runtimeCheck };
}

