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
import { audit, type Outcome } from '../auth/audit';
import { resolvePrincipal } from '../auth/principal';
import { decide, type Principal, type Role } from '../auth/roles';
import { sameOrigin } from '../auth/origin';
import { clientAddress } from '../auth/client-address';

export const MAX_BODY_BYTES = 1024 * 1024;

export function errorResponse(err: unknown): Response {
  // The database being unreachable is a 503 with the error shape, not a bug with a stack trace.
  const e = isAppError(err) ? err : (databaseUnavailable(err) ?? err);
  if (isAppError(e)) {
    const headers: Record<string, string> = {};
    if ((e.code === 'rate_limited' || e.code === 'unavailable') && typeof e.details?.retryAfterSeconds === 'number') headers['retry-after'] = String(e.details.retryAfterSeconds);
    if (e.code === 'unauthorized') headers['www-authenticate'] = 'Bearer realm="flightdeck"';
    return Response.json({ error: { code: e.code, message: e.message, details: e.details ?? {} } }, { status: e.status, headers });
  }
  console.error('[api] unexpected error', e);
  return Response.json({ error: { code: 'internal', message: 'internal error; see the server log', details: {} } }, { status: 500 });
}

/** The body as text, reading no further than MAX_BODY_BYTES (a chunked body has no length to trust). */
async function readLimited(req: Request): Promise<string> {
  if (!req.body) return '';
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_BODY_BYTES) {
      await reader.cancel().catch(() => {});
      throw new AppError('bad_request', `request body over ${MAX_BODY_BYTES} bytes`, { limit: MAX_BODY_BYTES });
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Parse a JSON body; an empty body is `{}`. Malformed JSON is a 400 naming the problem. */
export async function readJson(req: Request): Promise<unknown> {
  const declared = Number(req.headers.get('content-length') ?? 0);
  if (declared > MAX_BODY_BYTES) throw new AppError('bad_request', `request body over ${MAX_BODY_BYTES} bytes`, { limit: MAX_BODY_BYTES });
  const text = await readLimited(req);
  if (text.trim() === '') return {};
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (e) {
    throw new AppError('bad_request', `malformed JSON body: ${(e as Error).message}`);
  }
  checkShape(body);
  return body;
}

export const MAX_JSON_DEPTH = 64;

/**
 * Refused before any validation, named, instead of a 500 further down: nesting deeper than
 * MAX_JSON_DEPTH (recursive code would overflow the stack) and NUL characters (PostgreSQL
 * stores none in text or jsonb). Iterative, so hostile input cannot overflow it either.
 */
function checkShape(root: unknown): void {
  const stack: Array<[unknown, number]> = [[root, 0]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (typeof v === 'string') {
      if (v.includes('\u0000')) throw new AppError('bad_request', 'request body contains a NUL character (\\u0000), which no field accepts');
    } else if (v !== null && typeof v === 'object') {
      if (depth >= MAX_JSON_DEPTH) throw new AppError('bad_request', `request body nested deeper than ${MAX_JSON_DEPTH} levels`);
      for (const [k, child] of Object.entries(v)) {
        if (k.includes('\u0000')) throw new AppError('bad_request', 'request body contains a NUL character (\\u0000), which no field accepts');
        stack.push([child, depth + 1]);
      }
    }
  }
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

function outcomeOf(status: number, code?: string): Outcome {
  if (status < 400) return 'ok';
  if (status === 401) return 'unauthenticated';
  if (status === 403) return 'denied';
  if (status === 429 || code === 'rate_limited') return 'rate_limited';
  if (status >= 500) return 'error';
  return 'rejected';
}

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
    } catch (e) {
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
