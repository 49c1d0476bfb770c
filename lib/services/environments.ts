/**
 * Environments: the stages a version goes through, ranked by `order`. A call that names no
 * environment acts on the first one (for a single-environment install, its only one), so the
 * API and CLI work as they did before environments existed.
 */
import { Prisma, type Db } from '../db/client';
import { AppError } from '../errors/app-error';
import type { Tx } from '../events/append';
import { createEnvironmentSchema, updateEnvironmentSchema } from './environment-schemas';
import { slug } from './schemas';
import { parseInput } from './validate';

type DbOrTx = Db | Tx;

export type EnvironmentRow = Prisma.EnvironmentGetPayload<object>;

export function presentEnvironment(e: EnvironmentRow) {
  return {
    id: e.id,
    name: e.name,
    order: e.order,
    description: e.description,
    protected: e.protected,
    requiredApprovals: e.requiredApprovals,
    soakMinutes: e.soakMinutes,
    approvalTtlHours: e.approvalTtlHours,
    strategy: e.strategy,
    runtime: e.runtime,
    createdBy: e.createdBy,
    createdAt: e.createdAt.toISOString(),
  };
}

export async function listEnvironmentRows(db: DbOrTx): Promise<EnvironmentRow[]> {
  return db.environment.findMany({ orderBy: { order: 'asc' } });
}

export async function listEnvironments(db: Db) {
  const rows = await listEnvironmentRows(db);
  return { environments: rows.map((e, i) => ({ ...presentEnvironment(e), default: i === 0, next: rows[i + 1]?.name ?? null, previous: rows[i - 1]?.name ?? null })) };
}

export async function findEnvironmentOr404(db: DbOrTx, name: string): Promise<EnvironmentRow> {
  const e = slug.safeParse(name).success ? await db.environment.findUnique({ where: { name } }) : null;
  if (!e) {
    const known = (await listEnvironmentRows(db)).map((x) => x.name);
    throw new AppError('not_found', `environment ${name} not found (environments: ${known.join(', ') || 'none'})`, { environment: name, known });
  }
  return e;
}

/** The named environment, or the first one when none is named. */
export async function resolveEnvironment(db: DbOrTx, name?: string | null): Promise<EnvironmentRow> {
  if (name !== undefined && name !== null && name !== '') return findEnvironmentOr404(db, name);
  const first = await db.environment.findFirst({ orderBy: { order: 'asc' } });
  if (!first) throw new AppError('conflict', 'no environment exists: create one first (POST /api/v1/environments)');
  return first;
}

/** The environment just before this one, whose success a promotion needs. */
export async function predecessorOf(db: DbOrTx, env: EnvironmentRow): Promise<EnvironmentRow | null> {
  return db.environment.findFirst({ where: { order: { lt: env.order } }, orderBy: { order: 'desc' } });
}

export async function successorOf(db: DbOrTx, env: EnvironmentRow): Promise<EnvironmentRow | null> {
  return db.environment.findFirst({ where: { order: { gt: env.order } }, orderBy: { order: 'asc' } });
}

export async function getEnvironment(db: Db, name: string) {
  const e = await findEnvironmentOr404(db, name);
  const [previous, next] = await Promise.all([predecessorOf(db, e), successorOf(db, e)]);
  return { ...presentEnvironment(e), previous: previous?.name ?? null, next: next?.name ?? null };
}

function checkApprovals(isProtected: boolean, required: number): void {
  if (isProtected && required < 1) {
    throw new AppError('invalid', 'requiredApprovals: a protected environment needs at least 1 approval', { field: 'requiredApprovals', value: required });
  }
}

async function refuseTakenOrder(tx: Tx, order: number, except?: string): Promise<void> {
  const holder = await tx.environment.findUnique({ where: { order } });
  if (holder && holder.id !== except) {
    throw new AppError('invalid', `order: ${order} is already ${holder.name}'s; environments are ranked by distinct orders`, { field: 'order', value: order, holder: holder.name });
  }
}

export async function createEnvironment(db: Db, input: unknown, actor: string) {
  const data = parseInput(createEnvironmentSchema, input);
  const requiredApprovals = data.requiredApprovals ?? (data.protected ? 1 : 0);
  checkApprovals(data.protected, requiredApprovals);
  try {
    return await db.$transaction(async (tx) => {
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(4243)`;
      await refuseTakenOrder(tx, data.order);
      const e = await tx.environment.create({
        data: { ...data, requiredApprovals, runtime: data.runtime as Prisma.InputJsonValue, createdBy: actor },
      });
      return presentEnvironment(e);
    });
  } catch (e) {
    if (e instanceof Prisma.PrismaClientKnownRequestError && e.code === 'P2002') {
      throw new AppError('conflict', `environment ${data.name} already exists`, { environment: data.name });
    }
    throw e;
  }
}

export async function updateEnvironment(db: Db, name: string, input: unknown, actor: string) {
  const data = parseInput(updateEnvironmentSchema, input);
  void actor; // recorded by the audit log
  return db.$transaction(async (tx) => {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(4243)`;
    const e = await findEnvironmentOr404(tx, name);
    if (data.order !== undefined) await refuseTakenOrder(tx, data.order, e.id);
    const isProtected = data.protected ?? e.protected;
    const required = data.requiredApprovals ?? (data.protected && e.requiredApprovals === 0 ? 1 : e.requiredApprovals);
    checkApprovals(isProtected, required);
    const updated = await tx.environment.update({
      where: { id: e.id },
      data: { ...data, requiredApprovals: required, ...(data.runtime ? { runtime: data.runtime as Prisma.InputJsonValue } : {}) },
    });
    return presentEnvironment(updated);
  });
}
