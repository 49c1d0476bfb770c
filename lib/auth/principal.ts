/**
 * Who is calling: a bearer API token (`Authorization: Bearer fdt_…`) or a session cookie.
 * Only hashes are looked up; the secrets themselves are never stored.
 */
import type { Db } from '../db/client';
import { AppError } from '../errors/app-error';
import type { Principal, Role } from './roles';
import { sha256, TOKEN_PREFIX } from './secrets';

export const SESSION_COOKIE = 'fd_session';

export function cookieValue(cookieHeader: string | null | undefined, name: string): string | null {
  if (!cookieHeader) return null;
  for (const part of cookieHeader.split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) {
      try {
        return decodeURIComponent(part.slice(i + 1).trim());
      } catch {
        return null;
      }
    }
  }
  return null;
}

export function bearerOf(authorization: string | null | undefined): string | null {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  return m ? m[1]! : null;
}

/** A token's last use is recorded at most once a minute, not on every call. */
const TOUCH_MS = 60_000;

export async function principalFromToken(db: Db, token: string, now = new Date()): Promise<Principal> {
  const row = token.startsWith(TOKEN_PREFIX) ? await db.apiToken.findUnique({ where: { tokenHash: sha256(token) } }) : null;
  if (!row) throw new AppError('unauthorized', 'unknown API token');
  if (row.revokedAt) throw new AppError('unauthorized', `API token ${row.name} was revoked`);
  if (row.expiresAt && row.expiresAt <= now) throw new AppError('unauthorized', `API token ${row.name} expired`);
  if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() > TOUCH_MS) {
    await db.apiToken.update({ where: { id: row.id }, data: { lastUsedAt: now } });
  }
  return { kind: 'token', id: row.id, actor: `token:${row.name}`, role: row.role as Role, serviceScope: row.serviceScope };
}

export async function principalFromSession(db: Db, secret: string, now = new Date()): Promise<Principal | null> {
  const s = await db.session.findUnique({ where: { tokenHash: sha256(secret) }, include: { user: true } });
  if (!s || s.expiresAt <= now || s.user.disabled) return null;
  if (now.getTime() - s.lastSeenAt.getTime() > TOUCH_MS) {
    await db.session.update({ where: { id: s.id }, data: { lastSeenAt: now } }).catch(() => {});
  }
  return { kind: 'user', id: s.user.id, actor: s.user.email, role: s.user.role as Role, serviceScope: s.user.serviceScope };
}

/**
 * The principal behind these headers, or null when there are no credentials (or a session
 * cookie that is unknown or expired). A presented but bad token is an error (401 naming why).
 */
export async function resolvePrincipal(db: Db, headers: { authorization?: string | null; cookie?: string | null }): Promise<Principal | null> {
  const bearer = bearerOf(headers.authorization);
  if (bearer) return principalFromToken(db, bearer);
  if (headers.authorization) throw new AppError('unauthorized', 'Authorization must be "Bearer <token>"');
  const session = cookieValue(headers.cookie, SESSION_COOKIE);
  return session ? principalFromSession(db, session) : null;
}
