/** Users and API tokens, managed by admins. Secrets are shown once and stored hashed. */
import { Prisma, type Db } from '../db/client';
import { AppError } from '../errors/app-error';
import { isUuid, parseInput } from '../services/validate';
import { hashPassword } from './password';
import type { Role } from './roles';
import { createTokenSchema, createUserSchema, updateUserSchema } from './schemas';
import { newSecret, sha256, TOKEN_PREFIX } from './secrets';

type UserRow = { id: string; email: string; name: string; role: string; serviceScope: string[]; disabled: boolean; createdBy: string; createdAt: Date; lastLoginAt: Date | null };

export function presentUser(u: UserRow) {
  return { id: u.id, email: u.email, name: u.name, role: u.role as Role, serviceScope: u.serviceScope, disabled: u.disabled, createdBy: u.createdBy, createdAt: u.createdAt.toISOString(), lastLoginAt: u.lastLoginAt?.toISOString() ?? null };
}

function checkScope(role: Role, scope: string[]) {
  if (scope.length > 0 && role !== 'deployer') {
    throw new AppError('invalid', `serviceScope applies to deployers only; a ${role} acts on every service or none`, { field: 'serviceScope' });
  }
}

async function checkServicesExist(db: Db, names: string[]) {
  if (names.length === 0) return;
  const found = await db.service.findMany({ where: { name: { in: names } }, select: { name: true } });
  const missing = names.filter((n) => !found.some((f) => f.name === n));
  if (missing.length) throw new AppError('not_found', `serviceScope names unknown services: ${missing.join(', ')}`, { missing });
}

export async function createUser(db: Db, input: unknown, actor: string) {
  const data = parseInput(createUserSchema, input);
  checkScope(data.role, data.serviceScope);
  await checkServicesExist(db, data.serviceScope);
  try {
    const row = await db.user.create({
      data: { email: data.email, name: data.name, passwordHash: await hashPassword(data.password), role: data.role, serviceScope: data.serviceScope, createdBy: actor },
    });
    return presentUser(row);
  } catch (e) {
    if (e instanceof Prisma.PrismaClientKnownRequestError && e.code === 'P2002') throw new AppError('conflict', `user ${data.email} already exists`, { email: data.email });
    throw e;
  }
}

async function findUserOr404(db: Db, idOrEmail: string) {
  const row = isUuid(idOrEmail)
    ? await db.user.findUnique({ where: { id: idOrEmail } })
    : /^[^\s@\u0000]{1,200}@[^\s@\u0000]{1,200}$/.test(idOrEmail)
      ? await db.user.findUnique({ where: { email: idOrEmail.toLowerCase() } })
      : null;
  if (!row) throw new AppError('not_found', `user ${idOrEmail} not found`);
  return row;
}

export async function updateUser(db: Db, idOrEmail: string, input: unknown, actor: string) {
  const data = parseInput(updateUserSchema, input);
  const user = await findUserOr404(db, idOrEmail);
  const role = data.role ?? (user.role as Role);
  const scope = data.serviceScope ?? (data.role && data.role !== 'deployer' ? [] : user.serviceScope);
  checkScope(role, scope);
  await checkServicesExist(db, scope);
  if (user.email === actor && (data.disabled || (data.role && data.role !== 'admin'))) {
    throw new AppError('conflict', 'you cannot demote or disable yourself; ask another admin');
  }
  const row = await db.$transaction(async (tx) => {
    const updated = await tx.user.update({
      where: { id: user.id },
      data: {
        ...(data.name !== undefined ? { name: data.name } : {}),
        ...(data.password ? { passwordHash: await hashPassword(data.password) } : {}),
        role,
        serviceScope: scope,
        ...(data.disabled !== undefined ? { disabled: data.disabled } : {}),
      },
    });
    // A new password or a disabled account ends every session of that user.
    if (data.password || data.disabled) await tx.session.deleteMany({ where: { userId: user.id } });
    return updated;
  });
  return presentUser(row);
}

export async function listUsers(db: Db) {
  return (await db.user.findMany({ orderBy: { email: 'asc' } })).map(presentUser);
}

type TokenRow = { id: string; name: string; prefix: string; role: string; serviceScope: string[]; createdBy: string; createdAt: Date; expiresAt: Date | null; lastUsedAt: Date | null; revokedAt: Date | null; revokedBy: string | null };

export function presentToken(t: TokenRow) {
  return {
    id: t.id,
    name: t.name,
    prefix: t.prefix,
    role: t.role as Role,
    serviceScope: t.serviceScope,
    createdBy: t.createdBy,
    createdAt: t.createdAt.toISOString(),
    expiresAt: t.expiresAt?.toISOString() ?? null,
    lastUsedAt: t.lastUsedAt?.toISOString() ?? null,
    revokedAt: t.revokedAt?.toISOString() ?? null,
    revokedBy: t.revokedBy,
  };
}

/** The token itself is in the answer once (`token`); only its SHA-256 is kept. */
export async function createApiToken(db: Db, input: unknown, actor: string, now = new Date()) {
  const data = parseInput(createTokenSchema, input);
  checkScope(data.role, data.serviceScope);
  await checkServicesExist(db, data.serviceScope);
  const token = newSecret(TOKEN_PREFIX);
  const row = await db.apiToken.create({
    data: {
      name: data.name,
      prefix: token.slice(0, TOKEN_PREFIX.length + 6),
      tokenHash: sha256(token),
      role: data.role,
      serviceScope: data.serviceScope,
      createdBy: actor,
      expiresAt: data.expiresInDays ? new Date(now.getTime() + data.expiresInDays * 86_400_000) : null,
    },
  });
  return { ...presentToken(row), token };
}

export async function revokeApiToken(db: Db, id: string, actor: string, now = new Date()) {
  if (!isUuid(id)) throw new AppError('not_found', `API token ${id} not found`);
  const row = await db.apiToken.findUnique({ where: { id } });
  if (!row) throw new AppError('not_found', `API token ${id} not found`);
  if (row.revokedAt) return presentToken(row);
  return presentToken(await db.apiToken.update({ where: { id }, data: { revokedAt: now, revokedBy: actor } }));
}

export async function listApiTokens(db: Db) {
  return (await db.apiToken.findMany({ orderBy: { createdAt: 'desc' } })).map(presentToken);
}
