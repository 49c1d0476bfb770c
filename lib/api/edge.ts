/**
 * The HTTP edge: the first code every request meets, before Next.js or any route handler.
 * What Next.js would answer with a 500 in plain text, an HTML page, an empty body or a
 * redirect, the edge answers itself, with the error shape `{"error":{"code","message","details"}}`:
 *
 *   - a malformed percent-escape in the path (any path, pages too, signed in or not) → 400
 *   - a dot segment (`.`, `..`, `%2e%2e`…) or a backslash in the path, which URL parsers
 *     resolve into another path → 400 (never a redirect to wherever it resolves)
 *   - an unknown path under /api → 404; a known one with a method it lacks → 405 + Allow;
 *     a page with anything but GET, HEAD or POST (server actions) → 405 + Allow
 *   - an API body declaring more than MAX_BODY_BYTES → 400 before a byte of it is read
 *   - headers over the server's limit → 431, any other unparseable request → 400 (guardServer)
 *
 * It also times every request for the control-plane metrics, labelled with the route's
 * pattern (never the raw path, which would let clients mint label values).
 */
import http from 'node:http';
import type { Duplex } from 'node:stream';
import { AppError } from '../errors/app-error';
import type { Db } from '../db/client';
import { audit } from '../auth/audit';
import { resolvePrincipal } from '../auth/principal';
import { MAX_BODY_BYTES } from './body';
import { outcomeOf } from './outcome';
import { allowedMethods, matchRoute } from './route-table';

export interface EdgeVerdict {
  /** The route pattern, for metrics: "/api/v1/services/{name}", a page pattern, or "unmatched". */
  route: string;
  /** Set when the edge answers the request itself. */
  refusal: AppError | null;
}

/** The panel's pages, as metric labels (anything else is "unmatched"). */
const PAGES = ['/login', '/changes', '/approvals', '/releases', '/releases/{id}', '/services/{name}', '/deployments/{id}', '/admin', '/admin/{section}'];

function pageRoute(segments: string[]): string {
  if (segments[0] === '_next') return '/_next';
  if (segments.length === 1 && segments[0] === '') return '/';
  for (const p of PAGES) {
    const ps = p.split('/').slice(1);
    if (ps.length === segments.length && ps.every((s, i) => (s.startsWith('{') ? segments[i] !== '' : s === segments[i]))) return p;
  }
  return 'unmatched';
}

const HEX_ESCAPE = /%(?![0-9A-Fa-f]{2})/;
const PAGE_METHODS = ['GET', 'HEAD', 'POST'];

/** The path of a request target as sent (origin-form, or absolute-form from a proxy), without query or fragment. */
function rawPathOf(target: string): string | null {
  let t = target;
  const abs = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i.exec(t);
  if (abs) t = t.slice(abs[0].length) || '/';
  if (!t.startsWith('/')) return null;
  const end = t.search(/[?#]/);
  return end < 0 ? t : t.slice(0, end);
}

/** Checks one request's method, target and headers; pure, no I/O. */
export function inspectRequest(method: string, target: string, headers: http.IncomingHttpHeaders): EdgeVerdict {
  const path = rawPathOf(target);
  if (path === null) return { route: 'unmatched', refusal: new AppError('bad_request', 'the request target must be a path starting with "/"') };
  const segments = path.split('/').slice(1);
  for (const s of segments) {
    if (s.includes('\\')) return { route: 'unmatched', refusal: new AppError('bad_request', 'the path contains a backslash; encode it as %5C') };
    let decoded: string;
    try {
      if (HEX_ESCAPE.test(s)) throw new URIError();
      decoded = decodeURIComponent(s);
    } catch {
      return { route: 'unmatched', refusal: new AppError('bad_request', `malformed percent-escape in the path segment "${s.slice(0, 100)}"`, { segment: s.slice(0, 100) }) };
    }
    if (decoded === '.' || decoded === '..') {
      return { route: 'unmatched', refusal: new AppError('bad_request', `the path contains a "${decoded}" segment; paths are not resolved, send the one you mean`, { segment: s }) };
    }
  }
  const isApi = segments[0] === 'api';
  const route = matchRoute(segments);
  if (!route) {
    if (isApi) return { route: 'unmatched', refusal: new AppError('not_found', `no such API path: ${method} ${path.slice(0, 200)} (the routes are listed at /api/v1/openapi.json)`, { path: path.slice(0, 200) }) };
    // Pages and their assets: read, or POST for the panel's server actions; Next.js answers anything else with a 500.
    if (!PAGE_METHODS.includes(method)) return { route: pageRoute(segments), refusal: new AppError('method_not_allowed', `${method} is not allowed on pages; allowed: ${PAGE_METHODS.join(', ')}`, { method, allow: PAGE_METHODS }) };
    return { route: pageRoute(segments), refusal: null };
  }
  const allow = allowedMethods(route);
  if (!allow.includes(method)) {
    return { route: route.pattern, refusal: new AppError('method_not_allowed', `${method} is not allowed on ${route.pattern}; allowed: ${allow.join(', ')}`, { method, allow }) };
  }
  const declared = Number(headers['content-length'] ?? 0);
  if (isApi && declared > MAX_BODY_BYTES) {
    return { route: route.pattern, refusal: new AppError('bad_request', `request body over ${MAX_BODY_BYTES} bytes`, { limit: MAX_BODY_BYTES }) };
  }
  return { route: route.pattern, refusal: null };
}

function errorBody(e: AppError): string {
  return JSON.stringify({ error: { code: e.code, message: e.message, details: e.details ?? {} } });
}

/** True while the request still has body bytes on the wire that nobody will read. */
function bodyPending(req: http.IncomingMessage): boolean {
  return !req.complete && (Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined);
}

/** Writes the edge's answer. An unread body is not drained: the connection closes after the answer. */
export function sendRefusal(req: http.IncomingMessage, res: http.ServerResponse, e: AppError): void {
  const body = errorBody(e);
  const headers: Record<string, string | number> = { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store' };
  if (e.code === 'method_not_allowed') headers.allow = (e.details?.allow as string[]).join(', ');
  if (bodyPending(req)) headers.connection = 'close';
  res.writeHead(e.status, headers);
  res.end(req.method === 'HEAD' ? undefined : body);
}

export interface EdgeOptions {
  /** Told of every refusal (the server audits refused API mutations). */
  onRefused?: (req: http.IncomingMessage, e: AppError) => void;
  /** Told of every finished exchange: route pattern, status (499 when the client left first), seconds. */
  observe?: (o: { method: string; route: string; status: number; seconds: number }) => void;
}

/** Wraps the request listener behind the edge. */
export function withEdge(next: http.RequestListener, o: EdgeOptions = {}): http.RequestListener {
  return (req, res) => {
    const started = process.hrtime.bigint();
    const method = (req.method ?? 'GET').toUpperCase();
    const verdict: EdgeVerdict =
      req.httpVersion === '1.1' && req.headers.host === undefined
        ? { route: 'unmatched', refusal: new AppError('bad_request', 'an HTTP/1.1 request must carry a Host header') }
        : inspectRequest(method, req.url ?? '/', req.headers);
    res.once('close', () => {
      const status = res.writableFinished ? res.statusCode : 499;
      o.observe?.({ method, route: verdict.route, status, seconds: Number(process.hrtime.bigint() - started) / 1e9 });
    });
    if (verdict.refusal) {
      o.onRefused?.(req, verdict.refusal);
      sendRefusal(req, res, verdict.refusal);
      return;
    }
    next(req, res);
  };
}

/**
 * Options for the HTTP server behind the edge: Node's own answer to an HTTP/1.1 request
 * without a Host header is an empty 400; the edge gives it the error shape instead.
 */
export const EDGE_SERVER_OPTIONS: http.ServerOptions = { requireHostHeader: false };

/**
 * Requests Node cannot parse never reach a listener; by default Node answers them with a
 * bare status line. These get the error shape too: 431 for headers over the server's
 * `maxHeaderSize` (16 KiB unless --max-http-header-size says otherwise), 408 for a request
 * that did not arrive within `requestTimeout`, 400 for anything else malformed. A client
 * that has already gone is just let go.
 */
export function guardServer(server: http.Server): void {
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    // A request already being answered (its client left mid-body: the route records the
    // abort) or a client already gone: there is nobody to tell, and nothing must be mixed
    // into an answer under way.
    const inFlight = (socket as Duplex & { _httpMessage?: http.ServerResponse | null })._httpMessage;
    if (err.code === 'ECONNRESET' || err.code === 'EPIPE' || !socket.writable || inFlight) {
      socket.destroy();
      return;
    }
    const e =
      err.code === 'HPE_HEADER_OVERFLOW'
        ? new AppError('headers_too_large', `request headers over the server's limit of ${http.maxHeaderSize} bytes`, { limit: http.maxHeaderSize })
        : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
          ? new AppError('request_timeout', 'the request did not arrive in time')
          : new AppError('bad_request', `malformed HTTP request (${err.code ?? 'unparseable'})`, { reason: err.code ?? null });
    const body = errorBody(e);
    socket.end(`HTTP/1.1 ${e.status} ${http.STATUS_CODES[e.status]}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
  });
  // CONNECT never reaches a request listener; without this, Node drops the connection unanswered.
  server.on('connect', (req: http.IncomingMessage, socket: Duplex) => {
    const e = inspectRequest('CONNECT', req.url ?? '', req.headers).refusal ?? new AppError('method_not_allowed', 'CONNECT is not served here', { method: 'CONNECT', allow: ['GET', 'HEAD', 'OPTIONS'] });
    const body = errorBody(e);
    const allow = e.code === 'method_not_allowed' ? `allow: ${(e.details?.allow as string[]).join(', ')}\r\n` : '';
    socket.on('error', () => {});
    socket.end(`HTTP/1.1 ${e.status} ${http.STATUS_CODES[e.status] ?? ''}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n${allow}connection: close\r\n\r\n${body}`);
  });
  // An Expect other than 100-continue: Node would answer 417 with an empty body.
  server.on('checkExpectation', (req: http.IncomingMessage, res: http.ServerResponse) => {
    const e = new AppError('bad_request', `unsupported Expect: ${String(req.headers.expect).slice(0, 100)} (only 100-continue is)`);
    const body = errorBody(e);
    res.writeHead(417, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), connection: 'close' }).end(body);
  });
}

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** A mutation of the API refused at the edge is on the audit log like any other refused call (reads are not). */
export async function auditRefusal(db: Db, req: http.IncomingMessage, e: AppError): Promise<void> {
  const method = (req.method ?? '').toUpperCase();
  const path = (rawPathOf(req.url ?? '/') ?? req.url ?? '').slice(0, 300);
  if (!MUTATING.has(method) || !path.startsWith('/api/')) return;
  const header = (name: string) => (typeof req.headers[name] === 'string' ? (req.headers[name] as string) : null);
  const principal = await resolvePrincipal(db, { authorization: header('authorization'), cookie: header('cookie') }).catch(() => null);
  await audit(db, {
    actor: principal?.actor ?? 'anonymous',
    action: `${method} ${path}`,
    target: path,
    outcome: outcomeOf(e.status, e.code),
    status: e.status,
    ip: header('x-forwarded-for')?.split(',')[0]?.trim() || null,
    details: { code: e.code, message: e.message.slice(0, 500) },
  });
}
