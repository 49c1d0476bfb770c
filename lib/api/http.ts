/**
 * Route-handler plumbing for REST API v1: authenticate, authorise, parse the body, run the
 * service call, audit it, and map errors to `{"error":{"code","message","details"}}` with
 * the status of the AppError's code. Unknown errors are logged in full and answered with a
 * generic 500 — never a stack trace.
 *
 * Every route goes through `handler`:
 *   handler(fn)                           GET → viewer; any other method → admin (safe default)
 *   handler('deployer', fn, { services })  the role this route needs; `services` names the
 *                                          services it acts on, for per-service scopes
 *   handler('public', fn)                  no credentials needed (sign-in, health)
 * Anonymous → 401, a role too low or a service out of scope → 403. Every non-GET call —
 * done, refused or failed — is written to the audit log.
 */
import { AppError, isAppError } from '../errors/app-error';
import { databaseUnavailable } from '../errors/unavailable';
import { getDb, type Db } from '../db/client';
import { audit } from '../auth/audit';
import { outcomeOf } from './outcome';
import { resolvePrincipal } from '../auth/principal';
import { decide, type Principal, type Role } from '../auth/roles';
import { sameOrigin } from '../auth/origin';
import { clientAddress } from '../auth/client-address';
import { checkDeclaredLength, clientAborted } from './body';

export { MAX_BODY_BYTES, MAX_JSON_DEPTH, readJson } from './body';

export function errorResponse(err: unknown): Response {
  // The database being unreachable is a 503 with the error shape, not a bug with a stack trace.
  const e = isAppError(err) ? err : (databaseUnavailable(err) ?? err);
  if (isAppError(e)) {
    const headers: Record<string, string> = {};
    if ((e.code === 'rate_limited' || e.code === 'unavailable') && typeof e.details?.retryAfterSeconds === 'number') headers['retry-after'] = String(e.details.retryAfterSeconds);
    if (e.code === 'unauthorized') headers['www-authenticate'] = 'Bearer realm="flightdeck"';
    if (e.code === 'method_not_allowed' && Array.isArray(e.details?.allow)) headers.allow = (e.details.allow as string[]).join(', ');
    return Response.json({ error: { code: e.code, message: e.message, details: e.details ?? {} } }, { status: e.status, headers });
  }
  console.error('[api] unexpected error', e);
  return Response.json({ error: { code: 'internal', message: 'internal error; see the server log', details: {} } }, { status: 500 });
}

const principals = new WeakMap<Request, Principal>();

/** Who is acting: the authenticated principal of this request (its email or `token:<name>`). */
export function actorOf(req: Request): string {
  const p = principals.get(req);
  if (!p) throw new AppError('unauthorized', 'not signed in');
  return p.actor;
}

export function principalOf(req: Request): Principal {
  const p = principals.get(req);
  if (!p) throw new AppError('unauthorized', 'not signed in');
  return p;
}

/** The request's client address, as sign-in rate limiting and the audit log record it. */
export function clientIp(req: Request): string | null {
  return clientAddress(req.headers);
}

/** The use cases' context (database pool, clock): the same one pages use. */
export { serviceContext } from '../services/context';

export interface RouteOptions<C> {
  /** The services this call acts on (for deployer scopes); may throw 404. */
  services?: (req: Request, ctx: C, db: Db) => Promise<string[]>;
  /** Audit action name; default "<METHOD> <path>". */
  action?: string;
  /** false: the call audits itself (sign-in). */
  audit?: boolean;
}

type Fn<C> = (req: Request, ctx: C, db: Db, principal: Principal) => Promise<Response | unknown>;
type Required = Role | 'public';

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);


export function handler<C>(fn: Fn<C>): (req: Request, ctx: C) => Promise<Response>;
export function handler<C>(required: Required, fn: Fn<C>, opts?: RouteOptions<C>): (req: Request, ctx: C) => Promise<Response>;
export function handler<C>(a: Required | Fn<C>, b?: Fn<C>, c?: RouteOptions<C>) {
  const fn = (typeof a === 'function' ? a : b)!;
  const explicit = typeof a === 'function' ? null : a;
  const opts = c ?? {};
  return async (req: Request, ctx: C): Promise<Response> => {
    const db = getDb();
    const method = req.method.toUpperCase();
    const mutating = MUTATING.has(method);
    const required: Required = explicit ?? (mutating ? 'admin' : 'viewer');
    const action = opts.action ?? `${method} ${safePath(req.url)}`;
    let principal: Principal | null = null;
    let targets: string[] = [];
    const record = async (status: number, code?: string, message?: string) => {
      if (opts.audit === false || (!mutating && status !== 401 && status !== 403)) return;
      await audit(db, {
        actor: principal?.actor ?? 'anonymous',
        action,
        target: targets.map((t) => `service:${t}`).join(',') || safePath(req.url),
        outcome: outcomeOf(status, code),
        status,
        ip: clientIp(req),
        details: code ? { code, message: message?.slice(0, 500) } : {},
      });
    };
    try {
      // Size limits before anything is read or looked up.
      if (mutating) checkDeclaredLength(req.headers);
      // A cookie-borne (or credential-less, like sign-in) mutation from another site is refused;
      // a bearer token is no ambient credential, so it needs no such check.
      if (mutating && !req.headers.get('authorization') && !sameOrigin(req.headers, req.url)) {
        throw new AppError('forbidden', 'cross-site request refused (Origin does not match this site)');
      }
      if (required !== 'public') {
        principal = await resolvePrincipal(db, { authorization: req.headers.get('authorization'), cookie: req.headers.get('cookie') });
        if (!principal) throw new AppError('unauthorized', 'sign in, or send an API token as "Authorization: Bearer <token>"');
        principals.set(req, principal);
        // The role first (a viewer learns nothing about what exists), then the service scope.
        const byRole = decide(principal, required);
        if (!byRole.ok) throw new AppError('forbidden', byRole.reason, { required, role: principal.role });
        targets = opts.services ? [...new Set(await opts.services(req, ctx, db))] : [];
        const byScope = decide(principal, required, targets);
        if (!byScope.ok) throw new AppError('forbidden', byScope.reason, { required, role: principal.role, serviceScope: principal.serviceScope });
      }
      const out = await fn(req, ctx, db, principal as Principal);
      const res = out instanceof Response ? out : Response.json(out);
      await record(res.status);
      return res;
    } catch (caught) {
      // A client gone mid-request is recorded as an abort, whatever broke because of it.
      const e = !isAppError(caught) && req.signal?.aborted ? clientAborted() : caught;
      const res = errorResponse(e);
      await record(res.status, isAppError(e) ? e.code : 'internal', isAppError(e) ? e.message : undefined);
      return res;
    }
  };
}

function safePath(url: string): string {
  try {
    return new URL(url).pathname.slice(0, 300);
  } catch {
    return '';
  }
}

export type Params<P> = { params: Promise<P> };
