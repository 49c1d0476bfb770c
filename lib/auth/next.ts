/**
 * Auth for pages and server actions (Next.js App Router): who is signed in, a redirect to
 * /login for anyone who is not, signing in and out from the panel, and a guard for server
 * actions that checks the origin, the role and the service scope, and audits the call — the
 * same rules as the REST handler.
 */
import { cookies, headers } from 'next/headers';
import { redirect } from 'next/navigation';
import { getDb } from '../db/client';
import { AppError, isAppError } from '../errors/app-error';
import { audit, type Outcome } from './audit';
import { principalFromSession, SESSION_COOKIE } from './principal';
import { cookieOptions, isHttps, login, logout } from './sessions';
import { decide, hasRole, type Principal, type Role } from './roles';
import { sameOrigin } from './origin';
import { clientAddress } from './client-address';

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

/**
 * Sign-in from the panel's form: refuses a cross-site post, signs in (rate limited and
 * audited as POST /api/v1/auth/login is) and sets the session cookie. Answers the message
 * to show, or null once signed in.
 */
export async function signInWithPassword(email: string, password: string): Promise<string | null> {
  const h = await headers();
  if (!sameOrigin(h)) return 'cross-site sign-in refused';
  let signed;
  try {
    signed = await login(getDb(), { email, password }, { ip: clientAddress(h), userAgent: h.get('user-agent') });
  } catch (e) {
    if (isAppError(e)) return e.message;
    console.error('[sign-in] unexpected error', e);
    return 'sign-in failed; see the server log';
  }
  (await cookies()).set(SESSION_COOKIE, signed.secret, cookieOptions(isHttps({ headers: h }), signed.expiresAt));
  return null;
}

/** Sign-out from the panel: ends and audits the session behind the cookie. A cross-site post changes nothing (false). */
export async function signOutOfPanel(): Promise<boolean> {
  const h = await headers();
  if (!sameOrigin(h)) return false;
  const jar = await cookies();
  const db = getDb();
  const email = await logout(db, jar.get(SESSION_COOKIE)?.value ?? null);
  if (email) await audit(db, { actor: email, action: 'logout', target: `user:${email}`, outcome: 'ok', status: 200, ip: clientAddress(h) });
  jar.delete(SESSION_COOKIE);
  return true;
}

export function mayAct(p: Principal, role: Role): boolean {
  return hasRole(p, role);
}

export type ActionState = { ok?: boolean; error?: string; message?: string; token?: string } | undefined;

export interface ActionGuard {
  role: Role;
  /** Audit action name, e.g. "deployment.create". */
  action: string;
  /** The services the call acts on, for deployer scopes. */
  services: string[];
  /** false for a call that changes nothing (a dry run): only its refusals are audited. */
  mutation?: boolean;
}

type AuditOutcome = { outcome: Outcome; status: number; details?: Record<string, unknown> };

/**
 * The one gate for server actions: refuses a cross-site caller, an anonymous one, a role too
 * low or a service out of scope, runs `fn` as the signed-in principal, and writes the outcome
 * to the audit log (`outcomeOf` reads a success's outcome, for actions that report their own
 * rejections). An unexpected error is logged in full and comes back as a generic `internal`.
 */
export async function runGuarded<T>(
  g: ActionGuard,
  fn: (p: Principal) => Promise<T>,
  outcomeOf: (value: T) => AuditOutcome = () => ({ outcome: 'ok', status: 200 }),
): Promise<{ ok: true; value: T } | { ok: false; error: AppError }> {
  const db = getDb();
  const h = await headers();
  const ip = clientAddress(h);
  const target = g.services.map((t) => `service:${t}`).join(',');
  const mutation = g.mutation ?? true;
  let p: Principal | null = null;
  try {
    if (!sameOrigin(h)) throw new AppError('forbidden', 'cross-site request refused (Origin does not match this site)');
    p = await currentUser();
    if (!p) throw new AppError('unauthorized', 'not signed in');
    const d = decide(p, g.role, g.services);
    if (!d.ok) throw new AppError('forbidden', d.reason, { required: g.role, role: p.role });
    const value = await fn(p);
    if (mutation) await audit(db, { actor: p.actor, action: g.action, target, ip, ...outcomeOf(value) });
    return { ok: true, value };
  } catch (e) {
    if (!isAppError(e)) {
      console.error('[action] unexpected error', e);
      await audit(db, { actor: p?.actor ?? 'anonymous', action: g.action, target, outcome: 'error', status: 500, ip });
      return { ok: false, error: new AppError('internal', 'internal error; see the server log') };
    }
    const outcome = e.code === 'unauthorized' ? 'unauthenticated' : e.code === 'forbidden' ? 'denied' : 'rejected';
    if (mutation || outcome !== 'rejected') {
      await audit(db, { actor: p?.actor ?? 'anonymous', action: g.action, target, outcome, status: e.status, ip, details: { code: e.code, message: e.message } });
    }
    return { ok: false, error: e };
  }
}

/**
 * Wraps a form's server action in runGuarded (`services` picks the services from the
 * arguments). Refusals and AppErrors come back as `{ error }` for the form; an action that
 * answers `{ error }` itself is audited as rejected.
 */
export function guardedAction<A extends unknown[]>(
  role: Role,
  action: string,
  fn: (p: Principal, ...args: A) => Promise<ActionState>,
  services?: (...args: A) => string[],
): (...args: A) => Promise<ActionState> {
  return async (...args: A) => {
    const r = await runGuarded({ role, action, services: services ? services(...args) : [] }, (p) => fn(p, ...args), (out) =>
      out?.error ? { outcome: 'rejected', status: 422, details: { message: out.error } } : { outcome: 'ok', status: 200 },
    );
    return r.ok ? r.value : { error: r.error.message };
  };
}
