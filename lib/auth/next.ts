/**
 * Auth for pages and server actions (Next.js App Router): who is signed in, a redirect to
 * /login for anyone who is not, and a guard for server actions that checks the origin, the
 * role and the service scope, and audits the call — the same rules as the REST handler.
 */
import { cookies, headers } from 'next/headers';
import { redirect } from 'next/navigation';
import { getDb } from '../db/client';
import { AppError, isAppError } from '../errors/app-error';
import { audit } from './audit';
import { principalFromSession, SESSION_COOKIE } from './principal';
import { decide, hasRole, type Principal, type Role } from './roles';
import { sameOrigin } from './origin';

export async function currentUser(): Promise<Principal | null> {
  const secret = (await cookies()).get(SESSION_COOKIE)?.value;
  return secret ? principalFromSession(getDb(), secret) : null;
}

/** For pages: the signed-in user, or a redirect to /login. */
export async function requireUser(): Promise<Principal> {
  const p = await currentUser();
  if (!p) redirect('/login');
  return p;
}

export function mayAct(p: Principal, role: Role): boolean {
  return hasRole(p, role);
}

export type ActionState = { ok?: boolean; error?: string; message?: string; token?: string } | undefined;

/**
 * Wraps a server action: refuses a cross-site caller, an anonymous one, a role too low or a
 * service out of scope (`services` picks the services from the arguments), and writes the
 * outcome to the audit log. Refusals and AppErrors come back as `{ error }` for the form.
 */
export function guardedAction<A extends unknown[]>(
  role: Role,
  action: string,
  fn: (p: Principal, ...args: A) => Promise<ActionState>,
  services?: (...args: A) => string[],
): (...args: A) => Promise<ActionState> {
  return async (...args: A) => {
    const db = getDb();
    const h = await headers();
    const ip = h.get('x-forwarded-for')?.split(',')[0]?.trim() || null;
    let p: Principal | null = null;
    const targets = services ? services(...args) : [];
    const target = targets.map((t) => `service:${t}`).join(',');
    try {
      if (!sameOrigin(h)) throw new AppError('forbidden', 'cross-site request refused (Origin does not match this site)');
      p = await currentUser();
      if (!p) throw new AppError('unauthorized', 'not signed in');
      const d = decide(p, role, targets);
      if (!d.ok) throw new AppError('forbidden', d.reason);
      const out = await fn(p, ...args);
      await audit(db, { actor: p.actor, action, target, outcome: out?.error ? 'rejected' : 'ok', status: out?.error ? 422 : 200, ip, details: out?.error ? { message: out.error } : {} });
      return out;
    } catch (e) {
      if (!isAppError(e)) {
        console.error('[action] unexpected error', e);
        await audit(db, { actor: p?.actor ?? 'anonymous', action, target, outcome: 'error', status: 500, ip });
        return { error: 'internal error; see the server log' };
      }
      const outcome = e.code === 'unauthorized' ? 'unauthenticated' : e.code === 'forbidden' ? 'denied' : 'rejected';
      await audit(db, { actor: p?.actor ?? 'anonymous', action, target, outcome, status: e.status, ip, details: { code: e.code, message: e.message } });
      return { error: e.message };
    }
  };
}
