/**
 * What a rollback of one service in one environment would do right now — decided the same way
 * for its dry run (what the dialog shows) and for the real thing:
 *  - the mode: abort the deployment in flight (traffic returns to what served before it), or a
 *    fast deployment of the previous good version;
 *  - whether that version is still warm (the rollback window): then no process starts and the
 *    switch is a routing change; otherwise how many instances start and how long it should take;
 *  - the migrations it undoes: irreversible ones refuse it unless an admin overrides with a
 *    reason, reversible ones run their down hook before traffic moves back;
 *  - what it undoes: the versions, their commits (a compare link when the service has a
 *    template) and the config keys that change;
 *  - the rollback hooks that run around it.
 */
import type { Prisma } from '../db/client';
import type { Tx } from '../events/append';
import { getRuntime } from '../runtime/registry';
import { migrationsOf, migrationsToUndo, readinessSeconds, resolveHealthPolicy, versionChange, type MigrationDown, type UndoneMigration, type VersionChange, type VersionFacts } from '../engine';
import { chooseFromHistory } from './rollback-target';
import type { EnvironmentRow } from './environments';
import { prepareDeployment } from './prepare-deployment';

type ServiceRow = Prisma.ServiceGetPayload<object>;
type VersionRow = Prisma.VersionGetPayload<object>;

export interface ActiveDeployment {
  id: string;
  state: string;
  cursor: number;
  fromVersion: VersionRow | null;
  toVersion: VersionRow;
}

export interface RollbackDecision {
  mode: 'abort-in-flight' | 'deployment';
  environment: string;
  /** The deployment in flight (abort-in-flight). */
  inFlightId: string | null;
  from: string | null;
  fromVersion: VersionRow | null;
  target: VersionRow | null;
  skipped: Array<{ semver: string; reason: string }>;
  warm: { version: string; until: string; secondsLeft: number; instances: number } | null;
  /** Slots of the target already running (a deployment rollback plans no start for them). */
  targetRunning: number[];
  /** Processes the rollback will start; null when the runtime cannot be asked. */
  startsInstances: number | null;
  estimatedSeconds: { min: number; max: number };
  migrations: { undone: UndoneMigration[]; irreversible: UndoneMigration[]; downs: MigrationDown[] };
  hooks: { preRollback: string[]; postRollback: string[] };
  undoes: VersionChange | null;
}

export function factsOf(v: VersionRow): VersionFacts {
  return { semver: v.semver, commitSha: v.commitSha, repositoryUrl: v.repositoryUrl, changelogUrl: v.changelogUrl, notes: v.notes, config: (v.config ?? {}) as Record<string, string> };
}

function hookNames(raw: unknown): RollbackDecision['hooks'] {
  const h = (raw ?? {}) as { preRollback?: Array<{ name: string }>; postRollback?: Array<{ name: string }> };
  return { preRollback: (h.preRollback ?? []).map((x) => x.name), postRollback: (h.postRollback ?? []).map((x) => x.name) };
}

/** Running slots of a version, as the environment's runtime sees them (null: no runtime here). */
async function runningSlots(env: EnvironmentRow, service: string, versionId: string): Promise<number[] | null> {
  const runtime = getRuntime({ name: env.name, runtime: env.runtime });
  if (!runtime) return null;
  const all = await runtime.list(service).catch(() => null);
  return all ? all.filter((i) => i.versionId === versionId && i.state === 'running').map((i) => i.slot) : null;
}

const asHistory = (rows: Array<{ versionId: string; from: Date; until: Date | null; deployment: { kind: 'deploy' | 'rollback' } | null }>, versions: VersionRow[]) =>
  rows.map((h) => ({
    versionId: h.versionId,
    semver: versions.find((v) => v.id === h.versionId)?.semver ?? '?',
    from: h.from.getTime(),
    until: h.until?.getTime() ?? null,
    kind: h.deployment?.kind ?? 'deploy',
  }));

export async function decideRollback(
  tx: Tx,
  args: { service: ServiceRow; env: EnvironmentRow; active: ActiveDeployment | null; current: VersionRow | null; requested?: string; emergency: boolean; now: number; actor: string },
): Promise<RollbackDecision> {
  const { service, env, active, now } = args;
  const history = await tx.releaseHistory.findMany({ where: { serviceId: service.id, environmentId: env.id }, orderBy: { from: 'asc' }, include: { deployment: { select: { kind: true } } } });
  const versions = await tx.version.findMany({ where: { serviceId: service.id } });
  const withMigrations = versions.map((v) => ({ id: v.id, semver: v.semver, migrations: migrationsOf(v.migrations) }));
  const hooks = hookNames(service.hooks);
  const health = resolveHealthPolicy(service.health);

  if (active) {
    const target = active.fromVersion;
    // Its migrations count as applied once it began: its pre-deploy hooks may have run them.
    const began = active.state !== 'queued' && active.cursor > 0;
    const migrations = target
      ? migrationsToUndo({ history: asHistory(history, versions), versions: withMigrations, targetVersionId: target.id, inFlightVersionId: began ? active.toVersion.id : null })
      : { undone: [], irreversible: [], downs: [] };
    const running = target ? await runningSlots(env, service.name, target.id) : [];
    const missing = running === null ? null : target ? Math.max(0, service.replicas - running.filter((s) => s < service.replicas).length) : 0;
    return {
      mode: 'abort-in-flight',
      environment: env.name,
      inFlightId: active.id,
      from: active.toVersion.semver,
      fromVersion: active.toVersion,
      target,
      skipped: [],
      warm: null,
      targetRunning: [],
      startsInstances: missing,
      estimatedSeconds: missing ? readinessSeconds(health) : { min: 0, max: 0 },
      migrations,
      hooks,
      undoes: target ? versionChange({ from: factsOf(active.toVersion), to: factsOf(target), versions: [factsOf(active.toVersion)], compareUrlTemplate: service.compareUrlTemplate, direction: 'back' }) : null,
    };
  }

  const current = args.current;
  const choice = chooseFromHistory({ history, versions, currentVersionId: current?.id ?? null, toVersion: args.requested, service: service.name });
  const target = versions.find((v) => v.id === choice.target.id)!;
  const migrations = migrationsToUndo({ history: asHistory(history, versions), versions: withMigrations, targetVersionId: target.id });
  const window = await tx.warmWindow.findFirst({ where: { serviceId: service.id, environmentId: env.id, closedAt: null, versionId: target.id } });
  const running = window ? await runningSlots(env, service.name, target.id) : [];
  const targetRunning = window ? (running === null ? window.slots : window.slots.filter((s) => running.includes(s))) : [];
  // The plan the rollback would run, for its timings and the instances it starts.
  const p = await prepareDeployment(
    tx,
    { serviceName: service.name, environment: env.name, version: target.semver, strategy: 'blue-green', kind: 'rollback', requester: args.actor, rollback: { targetRunning, downs: migrations.downs, emergency: args.emergency } },
    now,
  );
  const starts = p.plan.steps.reduce((n, s) => n + (s.kind === 'start' ? s.instances.length : 0), 0);
  // What served after the target, newest first: what the rollback undoes.
  const undone: VersionRow[] = [];
  for (const h of [...history].reverse()) {
    if (h.versionId === target.id) break;
    const v = versions.find((x) => x.id === h.versionId);
    if (v && !undone.includes(v)) undone.push(v);
  }
  return {
    mode: 'deployment',
    environment: env.name,
    inFlightId: null,
    from: current?.semver ?? null,
    fromVersion: current,
    target,
    skipped: choice.skipped,
    warm: window
      ? { version: target.semver, until: window.until.toISOString(), secondsLeft: Math.max(0, Math.round((window.until.getTime() - now) / 1000)), instances: targetRunning.length }
      : null,
    targetRunning,
    startsInstances: starts,
    // Until traffic is back: the steps up to and including the switch.
    estimatedSeconds: untilSwitch(p.preview.steps),
    migrations,
    hooks,
    undoes: versionChange({ from: current ? factsOf(current) : null, to: factsOf(target), versions: undone.map(factsOf), compareUrlTemplate: service.compareUrlTemplate, direction: 'back' }),
  };
}

function untilSwitch(steps: Array<{ step: { kind: string }; cumulativeSeconds: { min: number; max: number } }>): { min: number; max: number } {
  const route = steps.find((s) => s.step.kind === 'route');
  return route ? { ...route.cumulativeSeconds } : { min: 0, max: 0 };
}
