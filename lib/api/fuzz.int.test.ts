/**
 * Property-based fuzzing of every REST route (fast-check, fixed seed, bounded runs):
 * random methods, paths, encodings, headers, credentials and bodies, anonymous and
 * authenticated. Whatever arrives: never a 5xx, never a stack trace, the error shape on
 * every refusal, nothing logged as an unexpected error, and no row changed unless the
 * request was valid (answered 2xx).
 *   1. in-process, through the route handlers themselves (many runs, cheap);
 *   2. over real HTTP, through the edge in front of the same handlers (raw bytes on a socket).
 * The real `npm start` (Next.js behind the edge) is fuzzed by e2e/edge.spec.ts.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import fc from 'fast-check';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createTestDatabase, type TestDatabase } from '../testing/db';
import { routeTable, rowCounts, seedRouteRows, type Route, type RouteIds } from '../testing/routes';
import { answerProblem, credential, credentialHeaders, extraHeaders, FUZZ_SEED, fuzzRuns, filledPath, junkPath, nastyBody, nastyString, pct, type Credential } from '../testing/fuzz';
import { rawExchange } from '../testing/raw-http';
import { apiRequestHandler } from '../testing/api-server';
import { EDGE_SERVER_OPTIONS, guardServer } from './edge';
import { ROUTE_TABLE } from './route-table';

let tdb: TestDatabase;
const saved = process.env.DATABASE_URL;
const ids: RouteIds = { deployment: '', release: '', user: '', token: '' };
const tokens: Partial<Record<Credential, string>> = {};
let ROUTES: Route[] = [];
const unexpected: string[] = [];

beforeAll(async () => {
  tdb = await createTestDatabase();
  process.env.DATABASE_URL = tdb.url;
  Object.assign(tokens, await seedRouteRows(tdb.db, ids, 'fuzz-'));
  ROUTES = routeTable(ids);
  // Anything logged as an unexpected error is a 500 in disguise.
  const original = console.error;
  vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => {
    unexpected.push(args.map(String).join(' ').slice(0, 300));
    original(...args);
  });
});
afterAll(async () => {
  vi.restoreAllMocks();
  process.env.DATABASE_URL = saved;
  await tdb?.drop();
});

/** A route's own parameter values, or hostile ones. */
const paramsFor = (r: Route) =>
  fc.tuple(...Object.keys(r.params()).map((k) => fc.oneof({ arbitrary: fc.constant(r.params()[k]!), weight: 2 }, { arbitrary: nastyString, weight: 3 }).map((v) => [k, v] as const))).map((kv) => Object.fromEntries(kv));

const FIELDS = ['version', 'strategy', 'params', 'dryRun', 'items', 'name', 'replicas', 'role', 'environment', 'override', 'analysis', 'description', 'notes', 'reason', 'comment', 'config', 'email', 'password', 'toVersion', 'force'];

/** A body that passes validation, one with some of its fields replaced or added, or junk. */
const bodyFor = (r: Route) => {
  const valid = (r.body?.() ?? {}) as Record<string, unknown>;
  const mangled = fc
    .tuple(fc.subarray(Object.keys(valid)), fc.dictionary(fc.constantFrom(...FIELDS), fc.oneof(nastyString, fc.jsonValue({ maxDepth: 2 })), { maxKeys: 2 }), fc.array(nastyString, { minLength: 4, maxLength: 4 }))
    .map(([replaced, extra, values]) => JSON.stringify({ ...valid, ...Object.fromEntries(replaced.map((k, i) => [k, values[i % values.length]])), ...extra }));
  return fc.oneof({ arbitrary: nastyBody, weight: 3 }, { arbitrary: fc.constant(r.body ? JSON.stringify(valid) : undefined), weight: 1 }, { arbitrary: mangled, weight: 4 });
};

describe('fuzzing every route in-process', () => {
  it('never a 5xx, never a stack trace, the error shape on every refusal, and nothing written unless the request was valid', async () => {
    const arb = fc
      .constantFrom(...ROUTES)
      .chain((r) => fc.record({ r: fc.constant(r), params: paramsFor(r), body: bodyFor(r), cred: credential, headers: extraHeaders, query: fc.oneof(fc.constant(''), nastyString.map((v) => `?after=${pct(v)}&limit=${pct(v)}&environment=${pct(v)}`)) }));
    let valid = 0;
    await fc.assert(
      fc.asyncProperty(arb, async ({ r, params, body, cred, headers, query }) => {
        const h = new Headers();
        for (const [k, v] of headers) h.set(k, v);
        for (const [k, v] of Object.entries(credentialHeaders(cred, tokens))) h.set(k, v);
        const what = `${r.method} ${r.file} ${JSON.stringify(params).slice(0, 100)} as ${cred}, body ${String(typeof body === 'string' ? body : body ? `${body.length} bytes` : body).slice(0, 80)}`;
        const before = await rowCounts(tdb.db);
        const res = await r.h(new Request(`http://localhost/${r.file}${query}`, { method: r.method, headers: h, ...(r.method !== 'GET' && body !== undefined ? { body: typeof body === 'string' ? body : Buffer.from(body) } : {}) }), { params: Promise.resolve(params) });
        const text = await res.text();
        expect(answerProblem(res.status, text), what).toBeNull();
        if (res.status >= 400) expect(await rowCounts(tdb.db), what).toEqual(before);
        else valid++;
        expect(unexpected, what).toEqual([]);
      }),
      { seed: FUZZ_SEED, numRuns: fuzzRuns(300), endOnFailure: true },
    );
    expect(valid).toBeGreaterThan(0); // the generators do reach past validation
  }, 600_000);
});

describe('fuzzing the HTTP edge and every route over real HTTP', () => {
  let server: http.Server;
  let port = 0;
  beforeAll(async () => {
    server = http.createServer(EDGE_SERVER_OPTIONS, apiRequestHandler);
    guardServer(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  it('raw requests — any method, path, encoding, header and body — never get a 5xx, a stack trace or a shapeless refusal', async () => {
    const w = <T>(weight: number, arbitrary: fc.Arbitrary<T>) => ({ weight, arbitrary });
    const arb = fc.constantFrom(...ROUTE_TABLE).chain((route) =>
      fc.record({
        // Mostly what the route serves (so requests get past the edge), sometimes anything.
        method: fc.oneof(w(8, fc.constantFrom(...route.methods)), w(2, fc.constantFrom('GET', 'POST', 'PATCH', 'DELETE', 'PUT', 'HEAD', 'OPTIONS')), w(1, fc.constantFrom('TRACE', 'PROPFIND', 'get', 'G ET', 'CONNECT', ''))),
        path: fc.oneof(w(8, filledPath(route.pattern)), w(2, junkPath)),
        version: fc.oneof(w(16, fc.constant('HTTP/1.1')), w(1, fc.constantFrom('HTTP/1.0', 'HTTP/2.0', 'HTTP/1.1 x'))),
        cred: credential,
        headers: extraHeaders,
        host: fc.oneof(w(12, fc.constant('localhost')), w(1, fc.constantFrom(null, 'evil.example'))),
        body: nastyBody,
        framing: fc.oneof(w(10, fc.constant('content-length')), w(3, fc.constant('chunked')), w(1, fc.constantFrom('both', 'short'))),
        bigHeader: fc.oneof(w(20, fc.constant(0)), w(1, fc.constantFrom(20_000, 70_000))),
        expect: fc.oneof(w(20, fc.constant(null)), w(1, fc.constantFrom('100-continue', 'teapot'))),
      }),
    );
    await fc.assert(
      fc.asyncProperty(arb, async (c) => {
        const body = c.body === undefined ? Buffer.alloc(0) : Buffer.from(c.body);
        const lines = [`${c.method} ${c.path} ${c.version}`];
        if (c.host) lines.push(`Host: ${c.host}`);
        for (const [k, v] of Object.entries(credentialHeaders(c.cred, tokens))) lines.push(`${k}: ${v}`);
        for (const [k, v] of c.headers) lines.push(`${k}: ${v}`);
        if (c.bigHeader) lines.push(`X-Big: ${'a'.repeat(c.bigHeader)}`);
        if (c.expect) lines.push(`Expect: ${c.expect}`);
        lines.push('Connection: close');
        let payload = body;
        if (c.framing === 'content-length') lines.push(`Content-Length: ${body.length}`);
        if (c.framing === 'short') lines.push(`Content-Length: ${body.length + 10}`); // the client leaves before the end
        if (c.framing === 'chunked' || c.framing === 'both') {
          lines.push('Transfer-Encoding: chunked');
          if (c.framing === 'both') lines.push(`Content-Length: ${body.length}`);
          payload = Buffer.concat([body.length ? Buffer.from(`${body.length.toString(16)}\r\n`) : Buffer.alloc(0), body, Buffer.from(body.length ? '\r\n0\r\n\r\n' : '0\r\n\r\n')]);
        }
        const what = `${lines[0]} (${c.framing}, ${c.cred}, ${body.length} bytes)`;
        const before = await rowCounts(tdb.db);
        const answer = await rawExchange(port, Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'), payload]), { halfClose: c.framing === 'short' });
        if (answer === null) {
          // Only a client that left mid-body may go unanswered: nobody is there to read it.
          expect(c.framing, `${what}: no answer`).toBe('short');
        } else {
          expect(answerProblem(answer.status, answer.body, { json: c.method !== 'HEAD' }), what).toBeNull();
          if (answer.status === 405) expect(answer.headers.allow, what).toMatch(/OPTIONS/);
          if (answer.status === 431) expect(JSON.parse(answer.body).error.code).toBe('headers_too_large');
        }
        if (!answer || answer.status >= 400) expect(await rowCounts(tdb.db), what).toEqual(before);
        expect(unexpected, what).toEqual([]);
      }),
      { seed: FUZZ_SEED, numRuns: fuzzRuns(200), endOnFailure: true },
    );
  }, 600_000);

  it('the examples of the issue, one by one', async () => {
    const send = (raw: string) => rawExchange(port, Buffer.from(raw, 'latin1'));
    const get = (path: string, extra = '') => send(`GET ${path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n${extra}\r\n`);
    for (const p of ['/api/v1/services/%ff', '/api/v1/deployments/%e2%82/events']) {
      const a = await get(p);
      expect(a?.status, p).toBe(400);
      expect(JSON.parse(a!.body).error.message).toMatch(/malformed percent-escape/);
    }
    const dots = await get('/api/v1/services/%2e%2e');
    expect(dots?.status).toBe(400);
    expect(dots?.headers.location).toBeUndefined();
    const unknown = await get('/api/v1/nope');
    expect(unknown?.status).toBe(404);
    expect(JSON.parse(unknown!.body).error.code).toBe('not_found');
    const put = await send('PUT /api/v1/services HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    expect(put?.status).toBe(405);
    expect(put?.headers.allow).toBe('GET, POST, HEAD, OPTIONS');
    expect(JSON.parse(put!.body).error.code).toBe('method_not_allowed');
    const big = await get('/api/health', `X-Big: ${'a'.repeat(20_000)}\r\n`);
    expect(big?.status).toBe(431);
    expect(JSON.parse(big!.body).error.code).toBe('headers_too_large');
    const noHost = await send('GET /api/health HTTP/1.1\r\nConnection: close\r\n\r\n');
    expect(noHost?.status).toBe(400);
    expect(JSON.parse(noHost!.body).error.message).toMatch(/Host header/);
  });
});
