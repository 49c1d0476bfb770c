/**
 * Sign-in for people: email + password (Argon2id; an older hash is replaced by a current one
 * on the first sign-in that proves the password), a session row in PostgreSQL keyed by the
 * SHA-256 of a random cookie secret, and rate limiting of failed attempts — at most
 * LOGIN_MAX_FAILURES per email and LOGIN_MAX_FAILURES_PER_IP per client address within
 * LOGIN_WINDOW_MS; past that every attempt is refused with 429 (and not even checked) until
 * the window has moved on.
 */
import type { Db } from '../db/client';
import { AppError } from '../errors/app-error';
import { parseInput } from '../services/validate';
import { audit } from './audit';
import { dummyHash, hashPassword, needsRehash, verifyPassword } from './password';
import { SESSION_COOKIE } from './principal';
import type { Role } from './roles';
import { loginSchema } from './schemas';
import { newSecret, sha256 } from './secrets';

export const LOGIN_WINDOW_MS = 15 * 60_000;
export const LOGIN_MAX_FAILURES = 5;
export const LOGIN_MAX_FAILURES_PER_IP = 50;
export const SESSION_TTL_MS = Number(process.env.FLIGHTDECK_SESSION_HOURS ?? 7 * 24) * 3600_000;

export interface ClientMeta {
  ip?: string | null;
  userAgent?: string | null;
}

export interface SignedIn {
  secret: string;
  expiresAt: Date;
  user: { id: string; email: string; name: string; role: Role; serviceScope: string[] };
}

export async function login(db: Db, input: unknown, meta: ClientMeta = {}, now = new Date()): Promise<SignedIn> {
  let raw: { email: string; password: string };
  try {
    raw = parseInput(loginSchema, input);
  } catch (e) {
    await audit(db, { actor: 'anonymous', action: 'login', outcome: 'rejected', status: 422, ip: meta.ip, details: { message: (e as Error).message.slice(0, 300) } });
    throw e;
  }
  const email = raw.email.trim().toLowerCase();
  const ip = meta.ip ?? 'unknown';
  const since = new Date(now.getTime() - LOGIN_WINDOW_MS);

  const [byEmail, byIp] = await Promise.all([
    db.loginFailure.findMany({ where: { email, at: { gt: since } }, orderBy: { at: 'asc' }, select: { at: true } }),
    db.loginFailure.count({ where: { ip, at: { gt: since } } }),
  ]);
  if (byEmail.length >= LOGIN_MAX_FAILURES || byIp >= LOGIN_MAX_FAILURES_PER_IP) {
    const oldest = byEmail.length >= LOGIN_MAX_FAILURES ? byEmail[byEmail.length - LOGIN_MAX_FAILURES]!.at : now;
    const retryAfterSeconds = Math.max(1, Math.ceil((oldest.getTime() + LOGIN_WINDOW_MS - now.getTime()) / 1000));
    await audit(db, { actor: email, action: 'login', target: `user:${email}`, outcome: 'rate_limited', status: 429, ip: meta.ip, details: { failures: byEmail.length } });
    throw new AppError('rate_limited', `too many failed sign-ins for ${email}; try again in ${retryAfterSeconds} s`, { retryAfterSeconds });
  }

  const user = await db.user.findUnique({ where: { email } });
  const ok = user ? await verifyPassword(raw.password, user.passwordHash) : (await verifyPassword(raw.password, await dummyHash()), false);
  if (!user || !ok || user.disabled) {
    await db.$transaction([
      db.loginFailure.create({ data: { email, ip, at: now } }),
      // Failures older than the window count for nothing: keep the table small.
      db.loginFailure.deleteMany({ where: { at: { lt: since } } }),
    ]);
    await audit(db, { actor: email, action: 'login', target: `user:${email}`, outcome: 'denied', status: 401, ip: meta.ip, details: { reason: user?.disabled && ok ? 'disabled' : 'bad credentials' } });
    throw new AppError('unauthorized', 'wrong email or password');
  }

  const secret = newSecret('');
  const expiresAt = new Date(now.getTime() + SESSION_TTL_MS);
  // The only moment the plain password is at hand: upgrade a hash weaker than today's. The
  // update is guarded by the old hash, so a password changed meanwhile is never overwritten.
  const upgraded = needsRehash(user.passwordHash) ? await hashPassword(raw.password) : null;
  await db.$transaction([
    db.session.create({ data: { tokenHash: sha256(secret), userId: user.id, expiresAt, ip: meta.ip ?? null, userAgent: meta.userAgent?.slice(0, 500) ?? null } }),
    db.user.update({ where: { id: user.id }, data: { lastLoginAt: now } }),
    ...(upgraded ? [db.user.updateMany({ where: { id: user.id, passwordHash: user.passwordHash }, data: { passwordHash: upgraded } })] : []),
    db.loginFailure.deleteMany({ where: { email } }),
    db.session.deleteMany({ where: { userId: user.id, expiresAt: { lt: now } } }),
  ]);
  await audit(db, { actor: email, action: 'login', target: `user:${email}`, outcome: 'ok', status: 200, ip: meta.ip });
  return { secret, expiresAt, user: { id: user.id, email: user.email, name: user.name, role: user.role as Role, serviceScope: user.serviceScope } };
}

/** Ends the session behind this cookie secret (the caller audits): whose it was, or null for none. */
export async function logout(db: Db, secret: string | null): Promise<string | null> {
  if (!secret) return null;
  const tokenHash = sha256(secret);
  const session = await db.session.findUnique({ where: { tokenHash }, select: { user: { select: { email: true } } } });
  await db.session.deleteMany({ where: { tokenHash } });
  return session?.user.email ?? null;
}

/**
 * Cookie flags: HttpOnly (no script reads it), SameSite=Lax (not sent on cross-site
 * POSTs), Path=/, and Secure whenever the request came over HTTPS — a plain-HTTP localhost
 * panel could not keep a Secure cookie. FLIGHTDECK_SECURE_COOKIES=1 forces Secure.
 */
export function cookieOptions(secure: boolean, expiresAt: Date) {
  return { httpOnly: true, sameSite: 'lax' as const, path: '/', secure: secure || process.env.FLIGHTDECK_SECURE_COOKIES === '1', expires: expiresAt };
}

export function isHttps(req: { headers: Headers }, url?: string): boolean {
  const proto = req.headers.get('x-forwarded-proto')?.split(',')[0]?.trim();
  return proto === 'https' || (url ?? '').startsWith('https:');
}

export function sessionSetCookie(secret: string, expiresAt: Date, secure: boolean): string {
  const o = cookieOptions(secure, expiresAt);
  return [`${SESSION_COOKIE}=${encodeURIComponent(secret)}`, 'Path=/', 'HttpOnly', 'SameSite=Lax', `Expires=${expiresAt.toUTCString()}`, ...(o.secure ? ['Secure'] : [])].join('; ');
}

export function clearSessionCookie(): string {
  return `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Expires=Thu, 01 Jan 1970 00:00:00 GMT`;
}
