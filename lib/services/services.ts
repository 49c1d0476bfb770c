import { Prisma, type Db } from '../db/client';
import { AppError } from '../errors/app-error';
import { assertAcyclic, resolveHealthPolicy, resolveRollbackPolicy, validateStrategyParams } from '../engine';
import { parseInput } from './validate';
import { findServiceOr404 } from './lookup';
import { liveByEnvironment, present, withEdges } from './service-reads';
import { resolveEnvironment } from './environments';
import { createServiceSchema, updateServiceSchema } from './schemas';

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
  resolveRollbackPolicy(data.rollbackPolicy);
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
          placement: data.placement ?? {},
          rollbackPolicy: (data.rollbackPolicy ?? {}) as Prisma.InputJsonValue,
          compareUrlTemplate: data.compareUrlTemplate ?? null,
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
    if (data.placement !== undefined) patch.placement = data.placement;
    if (data.rollbackPolicy !== undefined) patch.rollbackPolicy = data.rollbackPolicy as Prisma.InputJsonValue;
    if (data.compareUrlTemplate !== undefined) patch.compareUrlTemplate = data.compareUrlTemplate;
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

async function getServiceById(db: Db | Prisma.TransactionClient, id: string) {
  const s = await db.service.findUniqueOrThrow({ where: { id }, include: withEdges });
  const env = await resolveEnvironment(db);
  const live = await liveByEnvironment(db, [id]);
  return present(s, live.get(id)?.get(env.id));
}

export { presentVersion } from './service-reads';
