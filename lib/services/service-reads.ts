/**
 * Services as people read them: settings, the version live in each environment, the deployment
 * in flight there, and — for one service — its versions with the path each took through the
 * environments, its history, lease and error budget in the environment being looked at.
 */
import { Prisma, type Db } from '../db/client';
import { AppError } from '../errors/app-error';
import { readLease } from '../state/leases';
import { budgetOf } from './error-budget';
import { listEnvironmentRows, resolveEnvironment } from './environments';
import { slug } from './schemas';
import { migrationsOf } from '../engine';

type DbOrTx = Db | Prisma.TransactionClient;

export interface Live {
  semver: string;
  versionId: string;
  since: string;
}

/** serviceId → environmentId → what is live there. */
export async function liveByEnvironment(db: DbOrTx, serviceIds: string[]): Promise<Map<string, Map<string, Live>>> {
  const rows = await db.releaseHistory.findMany({ where: { serviceId: { in: serviceIds }, until: null }, include: { version: true } });
  const out = new Map<string, Map<string, Live>>();
  for (const r of rows) {
    const byEnv = out.get(r.serviceId) ?? new Map<string, Live>();
    byEnv.set(r.environmentId, { semver: r.version.semver, versionId: r.versionId, since: r.from.toISOString() });
    out.set(r.serviceId, byEnv);
  }
  return out;
}

export const withEdges = {
  dependencies: { select: { dependsOn: { select: { name: true } } } },
  dependents: { select: { service: { select: { name: true } } } },
} as const;

type ServiceWithEdges = Prisma.ServiceGetPayload<{ include: typeof withEdges }>;

export function present(s: ServiceWithEdges, live: Live | undefined) {
  return {
    id: s.id,
    name: s.name,
    description: s.description,
    replicas: s.replicas,
    template: s.template,
    health: s.health,
    requiredConfigKeys: s.requiredConfigKeys,
    hooks: s.hooks,
    defaultStrategy: s.defaultStrategy,
    strategyParams: s.strategyParams,
    slo: { availability: s.sloAvailability, latencyMs: s.sloLatencyMs },
    analysis: s.analysis,
    budgetFreeze: s.budgetFreeze,
    placement: s.placement,
    rollbackPolicy: s.rollbackPolicy,
    compareUrlTemplate: s.compareUrlTemplate,
    dependencies: s.dependencies.map((d) => d.dependsOn.name).sort(),
    dependents: s.dependents.map((d) => d.service.name).sort(),
    liveVersion: live?.semver ?? null,
    liveSince: live?.since ?? null,
    createdAt: s.createdAt.toISOString(),
    createdBy: s.createdBy,
  };
}

async function activeDeployments(db: DbOrTx, serviceIds: string[]) {
  return db.deployment.findMany({
    where: { serviceId: { in: serviceIds }, activeFor: { not: null } },
    select: { id: true, serviceId: true, environmentId: true, state: true, phase: true, strategy: true, toVersion: { select: { semver: true } } },
  });
}

type Active = Awaited<ReturnType<typeof activeDeployments>>[number];

function presentActive(a: Active | undefined) {
  return a ? { id: a.id, state: a.state, phase: a.phase, strategy: a.strategy, version: a.toVersion.semver } : null;
}

/**
 * Every service with what is live in `environment` (the first one when not named) at the top
 * level, as before environments existed, and per environment under `environments`.
 */
export async function listServices(db: Db, opts: { environment?: string | null } = {}) {
  const env = await resolveEnvironment(db, opts.environment);
  const envs = await listEnvironmentRows(db);
  const rows = await db.service.findMany({ include: withEdges, orderBy: { name: 'asc' } });
  const ids = rows.map((r) => r.id);
  const [live, active] = await Promise.all([liveByEnvironment(db, ids), activeDeployments(db, ids)]);
  return rows.map((s) => ({
    ...present(s, live.get(s.id)?.get(env.id)),
    environment: env.name,
    activeDeployment: presentActive(active.find((d) => d.serviceId === s.id && d.environmentId === env.id)),
    environments: envs.map((e) => {
      const l = live.get(s.id)?.get(e.id);
      return { name: e.name, liveVersion: l?.semver ?? null, liveSince: l?.since ?? null, activeDeployment: presentActive(active.find((d) => d.serviceId === s.id && d.environmentId === e.id)) };
    }),
  }));
}

export async function getService(db: Db, name: string, opts: { environment?: string | null; now?: number } = {}) {
  const s = slug.safeParse(name).success ? await db.service.findUnique({ where: { name }, include: withEdges }) : null;
  if (!s) throw new AppError('not_found', `service ${name} not found`, { service: name });
  const env = await resolveEnvironment(db, opts.environment);
  const envs = await listEnvironmentRows(db);
  const [live, active, versions, deployments, lease, history] = await Promise.all([
    liveByEnvironment(db, [s.id]),
    activeDeployments(db, [s.id]),
    db.version.findMany({ where: { serviceId: s.id }, orderBy: { createdAt: 'desc' } }),
    db.deployment.findMany({
      where: { serviceId: s.id },
      orderBy: { createdAt: 'desc' },
      take: 30,
      include: { toVersion: { select: { semver: true } }, fromVersion: { select: { semver: true } }, environment: { select: { name: true } } },
    }),
    readLease(db, s.id, env.id),
    db.releaseHistory.findMany({ where: { serviceId: s.id }, orderBy: { from: 'desc' }, take: 200, include: { version: { select: { semver: true } } } }),
  ]);
  const budget = await budgetOf(db, s, env.id, opts.now ?? Date.now());
  const envName = new Map(envs.map((e) => [e.id, e.name]));
  return {
    ...present(s, live.get(s.id)?.get(env.id)),
    environment: env.name,
    activeDeployment: presentActive(active.find((d) => d.environmentId === env.id)),
    environments: envs.map((e) => {
      const l = live.get(s.id)?.get(e.id);
      return { name: e.name, protected: e.protected, liveVersion: l?.semver ?? null, liveSince: l?.since ?? null, activeDeployment: presentActive(active.find((d) => d.environmentId === e.id)) };
    }),
    errorBudget: { ...budget, frozen: budget.freezeWhenSpent && budget.exhausted },
    versions: versions.map((v) => ({
      ...presentVersion(v),
      // The version's path through the environments: when it first went live in each, and whether it still is.
      path: envs.map((e) => {
        const stints = history.filter((h) => h.environmentId === e.id && h.versionId === v.id);
        const first = stints.at(-1);
        return { environment: e.name, reachedAt: first?.from.toISOString() ?? null, live: stints.some((h) => h.until === null) };
      }),
    })),
    deployments: deployments.map((d) => ({
      id: d.id,
      environment: d.environment.name,
      kind: d.kind,
      state: d.state,
      phase: d.phase,
      strategy: d.strategy,
      from: d.fromVersion?.semver ?? null,
      to: d.toVersion.semver,
      actor: d.actor,
      createdAt: d.createdAt.toISOString(),
      finishedAt: d.finishedAt?.toISOString() ?? null,
    })),
    lease,
    history: history
      .filter((h) => h.environmentId === env.id)
      .slice(0, 50)
      .map((h) => ({ version: h.version.semver, environment: envName.get(h.environmentId) ?? '?', from: h.from.toISOString(), until: h.until?.toISOString() ?? null, deploymentId: h.deploymentId })),
  };
}

export function presentVersion(v: {
  id: string;
  semver: string;
  artifact: unknown;
  config: unknown;
  notes: string;
  bad: boolean;
  badReason: string | null;
  markedBadAt: Date | null;
  migrations: unknown;
  commitSha: string | null;
  repositoryUrl: string | null;
  changelogUrl: string | null;
  createdBy: string;
  createdAt: Date;
}) {
  return {
    id: v.id,
    version: v.semver,
    artifact: v.artifact,
    config: v.config,
    notes: v.notes,
    bad: v.bad,
    badReason: v.badReason,
    markedBadAt: v.markedBadAt?.toISOString() ?? null,
    migrations: migrationsOf(v.migrations),
    commitSha: v.commitSha,
    repositoryUrl: v.repositoryUrl,
    changelogUrl: v.changelogUrl,
    createdBy: v.createdBy,
    createdAt: v.createdAt.toISOString(),
  };
}
