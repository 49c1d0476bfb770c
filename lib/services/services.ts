import { Prisma, type Db } from '../db/client';
import { AppError } from '../errors/app-error';
import { assertAcyclic, resolveHealthPolicy, validateStrategyParams } from '../engine';
import { readLease } from '../state/leases';
import { parseInput } from './validate';
import { findServiceOr404 } from './lookup';
import { budgetOf } from './error-budget';
import { createServiceSchema, slug, updateServiceSchema } from './schemas';

type ServiceGraphRow = { name: string; dependencies: Array<{ dependsOn: { name: string } }> };

function graphOf(rows: ServiceGraphRow[]): Record<string, string[]> {
  return Object.fromEntries(rows.map((s) => [s.name, s.dependencies.map((d) => d.dependsOn.name)]));
}

export async function dependencyGraph(db: Db | Prisma.TransactionClient): Promise<Record<string, string[]>> {
  const rows = await db.service.findMany({ select: { name: true, dependencies: { select: { dependsOn: { select: { name: true } } } } } });
  return graphOf(rows);
}

export { findServiceOr404 } from './lookup';

async function resolveDependencies(tx: Prisma.TransactionClient, names: string[]) {
  const rows = await tx.service.findMany({ where: { name: { in: names } }, select: { id: true, name: true } });
  const missing = names.filter((n) => !rows.some((r) => r.name === n));
  if (missing.length) throw new AppError('not_found', `dependencies not found: ${missing.join(', ')}`, { missing });
  return rows;
}

export async function createService(db: Db, input: unknown, actor: string) {
  const data = parseInput(createServiceSchema, input);
  const health = resolveHealthPolicy(data.health);
  // The schema checked the analysis config; params can be checked only now the strategy is known.
  validateStrategyParams(data.defaultStrategy, data.strategyParams);
  if (data.dependencies.includes(data.name)) {
    throw new AppError('invalid', `dependency cycle: ${data.name} → ${data.name}`, { cycle: [data.name, data.name] });
  }
  try {
    return await db.$transaction(async (tx) => {
      const deps = await resolveDependencies(tx, [...new Set(data.dependencies)]);
      const service = await tx.service.create({
        data: {
          name: data.name,
          description: data.description,
          replicas: data.replicas,
          template: data.template,
          health: { ...health },
          requiredConfigKeys: data.requiredConfigKeys,
          hooks: data.hooks,
          defaultStrategy: data.defaultStrategy,
          strategyParams: data.strategyParams as Prisma.InputJsonValue,
          sloAvailability: data.slo?.availability ?? 99.9,
          sloLatencyMs: data.slo?.latencyMs ?? null,
          analysis: (data.analysis ?? {}) as Prisma.InputJsonValue,
          budgetFreeze: data.budgetFreeze ?? false,
          createdBy: actor,
          dependencies: { create: deps.map((d) => ({ dependsOnId: d.id })) },
        },
      });
      return getServiceById(tx, service.id);
    });
  } catch (e) {
    if (e instanceof Prisma.PrismaClientKnownRequestError && e.code === 'P2002') {
      throw new AppError('conflict', `service ${data.name} already exists`, { service: data.name });
    }
    throw e;
  }
}

/** Change a service's settings. New dependency edges are refused when they close a cycle. */
export async function updateService(db: Db, name: string, input: unknown, actor: string) {
  const data = parseInput(updateServiceSchema, input);
  return db.$transaction(async (tx) => {
    // Serialise graph changes so two updates cannot close a cycle between them.
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(4242)`;
    const service = await findServiceOr404(tx, name);
    const patch: Prisma.ServiceUpdateInput = {};
    if (data.description !== undefined) patch.description = data.description;
    if (data.replicas !== undefined) patch.replicas = data.replicas;
    if (data.template !== undefined) patch.template = data.template;
    if (data.health !== undefined) patch.health = { ...resolveHealthPolicy({ ...(service.health as object), ...data.health }) };
    if (data.requiredConfigKeys !== undefined) patch.requiredConfigKeys = data.requiredConfigKeys;
    if (data.hooks !== undefined) patch.hooks = data.hooks;
    if (data.defaultStrategy !== undefined || data.strategyParams !== undefined) {
      const strategy = data.defaultStrategy ?? service.defaultStrategy;
      const params = data.strategyParams ?? (service.strategyParams as Record<string, unknown>);
      validateStrategyParams(strategy, params);
      patch.defaultStrategy = strategy;
      patch.strategyParams = params as Prisma.InputJsonValue;
    }
    if (data.slo !== undefined) {
      patch.sloAvailability = data.slo.availability;
      patch.sloLatencyMs = data.slo.latencyMs ?? null;
    }
    if (data.analysis !== undefined) patch.analysis = data.analysis as Prisma.InputJsonValue;
    if (data.budgetFreeze !== undefined) patch.budgetFreeze = data.budgetFreeze;
    if (data.dependencies !== undefined) {
      const names = [...new Set(data.dependencies)];
      const graph = await dependencyGraph(tx);
      graph[name] = names;
      assertAcyclic(graph);
      const deps = await resolveDependencies(tx, names);
      await tx.serviceDependency.deleteMany({ where: { serviceId: service.id } });
      await tx.serviceDependency.createMany({ data: deps.map((d) => ({ serviceId: service.id, dependsOnId: d.id })) });
    }
    void actor; // recorded by the audit log (access-control issue)
    await tx.service.update({ where: { id: service.id }, data: patch });
    return getServiceById(tx, service.id);
  });
}

async function liveVersions(db: Db | Prisma.TransactionClient, serviceIds: string[]) {
  const rows = await db.releaseHistory.findMany({
    where: { serviceId: { in: serviceIds }, until: null },
    include: { version: true },
  });
  return new Map(rows.map((r) => [r.serviceId, { semver: r.version.semver, versionId: r.versionId, since: r.from.toISOString() }]));
}

function present(
  s: {
    id: string;
    name: string;
    description: string;
    replicas: number;
    template: unknown;
    health: unknown;
    requiredConfigKeys: string[];
    hooks: unknown;
    defaultStrategy: string;
    strategyParams: unknown;
    sloAvailability: number;
    sloLatencyMs: number | null;
    analysis: unknown;
    budgetFreeze: boolean;
    createdAt: Date;
    createdBy: string;
    dependencies: Array<{ dependsOn: { name: string } }>;
    dependents: Array<{ service: { name: string } }>;
  },
  live: { semver: string; versionId: string; since: string } | undefined,
) {
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
    dependencies: s.dependencies.map((d) => d.dependsOn.name).sort(),
    dependents: s.dependents.map((d) => d.service.name).sort(),
    liveVersion: live?.semver ?? null,
    liveSince: live?.since ?? null,
    createdAt: s.createdAt.toISOString(),
    createdBy: s.createdBy,
  };
}

const withEdges = {
  dependencies: { select: { dependsOn: { select: { name: true } } } },
  dependents: { select: { service: { select: { name: true } } } },
} as const;

async function getServiceById(db: Db | Prisma.TransactionClient, id: string) {
  const s = await db.service.findUniqueOrThrow({ where: { id }, include: withEdges });
  const live = await liveVersions(db, [id]);
  return present(s, live.get(id));
}

export async function listServices(db: Db) {
  const rows = await db.service.findMany({ include: withEdges, orderBy: { name: 'asc' } });
  const live = await liveVersions(db, rows.map((r) => r.id));
  const active = await db.deployment.findMany({
    where: { activeFor: { not: null } },
    select: { id: true, serviceId: true, state: true, phase: true, strategy: true, toVersion: { select: { semver: true } } },
  });
  return rows.map((s) => {
    const a = active.find((d) => d.serviceId === s.id);
    return {
      ...present(s, live.get(s.id)),
      activeDeployment: a ? { id: a.id, state: a.state, phase: a.phase, strategy: a.strategy, version: a.toVersion.semver } : null,
    };
  });
}

export async function getService(db: Db, name: string) {
  const s = slug.safeParse(name).success ? await db.service.findUnique({ where: { name }, include: withEdges }) : null;
  if (!s) throw new AppError('not_found', `service ${name} not found`, { service: name });
  const live = await liveVersions(db, [s.id]);
  const [versions, deployments, lease, history] = await Promise.all([
    db.version.findMany({ where: { serviceId: s.id }, orderBy: { createdAt: 'desc' } }),
    db.deployment.findMany({
      where: { serviceId: s.id },
      orderBy: { createdAt: 'desc' },
      take: 20,
      include: { toVersion: { select: { semver: true } }, fromVersion: { select: { semver: true } } },
    }),
    readLease(db, s.id),
    db.releaseHistory.findMany({ where: { serviceId: s.id }, orderBy: { from: 'desc' }, take: 50, include: { version: { select: { semver: true } } } }),
  ]);
  const budget = await budgetOf(db, s, Date.now());
  return {
    ...present(s, live.get(s.id)),
    errorBudget: { ...budget, frozen: budget.freezeWhenSpent && budget.exhausted },
    versions: versions.map(presentVersion),
    deployments: deployments.map((d) => ({
      id: d.id,
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
    history: history.map((h) => ({ version: h.version.semver, from: h.from.toISOString(), until: h.until?.toISOString() ?? null, deploymentId: h.deploymentId })),
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
    createdBy: v.createdBy,
    createdAt: v.createdAt.toISOString(),
  };
}
