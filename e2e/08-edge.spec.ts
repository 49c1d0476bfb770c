import { expect, test, type APIRequestContext } from '@playwright/test';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { STORAGE_STATE } from './auth-state';
import { rawExchange, type RawAnswer } from '../lib/testing/raw-http';
import { answerProblem, extraHeaders, FUZZ_SEED, filledPath, fuzzRuns, junkPath, nastyBody } from '../lib/testing/fuzz';
import { ROUTE_TABLE } from '../lib/api/route-table';

/**
 * The HTTP edge of the real server (`npm start`: Next.js behind the custom server): whatever
 * arrives, API or page, signed in or not, the answer is a clean 4xx with the error shape —
 * never Next's 500 in plain text, its HTML 404 for an API path, a redirect a dot segment
 * resolved to, or an empty 405.
 */

let port = 0;
let cookie = '';
let viewerToken = '';

test.beforeAll(async ({ baseURL, request }) => {
  port = Number(new URL(baseURL!).port);
  const state = JSON.parse(readFileSync(STORAGE_STATE, 'utf8')) as { cookies: Array<{ name: string; value: string }> };
  cookie = `fd_session=${state.cookies.find((c) => c.name === 'fd_session')!.value}`;
  const t = await request.post('/api/v1/tokens', { data: { name: `edge-viewer-${Date.now()}`, role: 'viewer' } });
  expect(t.status()).toBe(201);
  viewerToken = (await t.json()).token;
});

function send(method: string, target: string, o: { headers?: string[]; body?: Buffer | string; cookie?: boolean; halfClose?: boolean } = {}): Promise<RawAnswer | null> {
  const head = [`${method} ${target} HTTP/1.1`, `Host: localhost:${port}`, 'Connection: close', ...(o.cookie ? [`Cookie: ${cookie}`] : []), ...(o.headers ?? [])];
  return rawExchange(port, Buffer.concat([Buffer.from(`${head.join('\r\n')}\r\n\r\n`, 'latin1'), Buffer.from(o.body ?? '')]), { timeoutMs: 30_000, halfClose: o.halfClose });
}

function expectError(a: RawAnswer | null, status: number, code: string, what: string) {
  expect(a, what).not.toBeNull();
  expect(a!.status, `${what}: ${a!.body.slice(0, 200)}`).toBe(status);
  expect(a!.headers['content-type'], what).toMatch(/^application\/json/);
  expect(answerProblem(a!.status, a!.body), what).toBeNull();
  expect(JSON.parse(a!.body).error.code, what).toBe(code);
}

test('malformed escapes and dot segments are 400, unknown API paths 404, wrong methods 405 with Allow — API and pages, anonymous and signed in', async () => {
  for (const signedIn of [false, true]) {
    const as = signedIn ? 'signed in' : 'anonymous';
    for (const path of ['/api/v1/services/%ff', '/api/v1/deployments/%e2%82/events', '/services/%ff', '/deployments/%', '/releases/a%zz']) {
      expectError(await send('GET', path, { cookie: signedIn }), 400, 'bad_request', `${as} ${path}`);
    }
    for (const path of ['/api/v1/services/%2e%2e', '/api/v1/services/x/%2E%2e', '/services/%2e%2e', '/api/v1/./services']) {
      const a = await send('GET', path, { cookie: signedIn });
      expectError(a, 400, 'bad_request', `${as} ${path}`);
      expect(a!.headers.location, path).toBeUndefined();
    }
    for (const path of ['/api/v1/nope', '/api/v1/services/payment-gateway/nope', '/api/v1/services/', '/api/v2/services']) {
      expectError(await send('GET', path, { cookie: signedIn }), 404, 'not_found', `${as} ${path}`);
    }
    for (const [method, path, allow] of [
      ['PUT', '/api/v1/services', 'GET, POST, HEAD, OPTIONS'],
      ['DELETE', '/api/v1/services/payment-gateway', 'GET, PATCH, HEAD, OPTIONS'],
      ['DELETE', '/api/health', 'GET, HEAD, OPTIONS'],
      ['POST', '/metrics', 'GET, HEAD, OPTIONS'],
    ]) {
      const a = await send(method!, path!, { cookie: signedIn, headers: ['Content-Length: 0'] });
      expectError(a, 405, 'method_not_allowed', `${as} ${method} ${path}`);
      expect(a!.headers.allow).toBe(allow);
    }
  }
});

test('headers over the limit: 431 with the error shape', async () => {
  expectError(await send('GET', '/api/v1/services', { headers: [`X-Big: ${'a'.repeat(20_000)}`] }), 431, 'headers_too_large', 'big header');
  expectError(await send('GET', '/', { headers: [`Cookie: ${'a'.repeat(20_000)}`] }), 431, 'headers_too_large', 'big cookie');
});

test('a 50 MB release is refused before it is read: the answer comes before the body is sent', async () => {
  const started = performance.now();
  // Only the head: a server that read the body before refusing would wait for it forever.
  const declared = await send('POST', '/api/v1/releases', { cookie: true, headers: ['Content-Type: application/json', `Content-Length: ${50 * 1024 * 1024}`] });
  expectError(declared, 400, 'bad_request', 'declared 50 MB');
  expect(JSON.parse(declared!.body).error.message).toBe('request body over 1048576 bytes');
  const chunk = Buffer.alloc(1024 * 1024, 0x20);
  const chunked = Buffer.concat([...Array(3)].flatMap(() => [Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n')]));
  const streamed = await send('POST', '/api/v1/releases', { cookie: true, headers: ['Content-Type: application/json', 'Transfer-Encoding: chunked'], body: Buffer.concat([chunked, Buffer.from('0\r\n\r\n')]) });
  expectError(streamed, 400, 'bad_request', 'chunked 3 MB');
  test.info().annotations.push({ type: 'measured', description: `50 MB declared + 3 MB chunked refused in ${Math.round(performance.now() - started)} ms` });
});

async function auditCount(request: APIRequestContext, outcome: string): Promise<number> {
  return ((await (await request.get(`/api/v1/audit?outcome=${outcome}&limit=500`)).json()) as { entries: unknown[] }).entries.length;
}

test('a client that leaves mid-body is audited as an abort — not a 500', async ({ request }) => {
  const [aborted, errors] = [await auditCount(request, 'aborted'), await auditCount(request, 'error')];
  const a = await send('POST', '/api/v1/services/payment-gateway/versions', {
    cookie: true,
    headers: ['Content-Type: application/json', 'Content-Length: 1000', `Origin: http://localhost:${port}`],
    body: '{"version":',
    halfClose: true,
  });
  expect(a).toBeNull(); // nobody left to answer
  await expect.poll(() => auditCount(request, 'aborted'), { timeout: 15_000 }).toBe(aborted + 1);
  expect(await auditCount(request, 'error')).toBe(errors);
});

test('pages about a missing service, deployment or release answer 404; anonymous visitors are sent to sign in first', async ({ request, browser }) => {
  for (const path of ['/services/no-such-service', '/services/payment-gateway?environment=nowhere', '/deployments/00000000-0000-0000-0000-000000000000', '/deployments/not-a-uuid', '/releases/00000000-0000-0000-0000-000000000000']) {
    const res = await request.get(path, { maxRedirects: 0 });
    expect(res.status(), path).toBe(404);
    expect(await res.text(), path).toContain('Not found');
  }
  expect((await request.get('/services/payment-gateway', { maxRedirects: 0 })).status()).toBe(200);
  const anonymous = await browser.newContext({ storageState: { cookies: [], origins: [] } });
  try {
    const res = await anonymous.request.get('/services/no-such-service', { maxRedirects: 0 });
    expect(res.status()).toBe(307);
    expect(res.headers().location).toMatch(/\/login\?next=/);
  } finally {
    await anonymous.close();
  }
});

test('fuzzing the real server: any method, path, header and body — never a 5xx, a stack trace or a shapeless API refusal', async () => {
  test.setTimeout(300_000);
  const pages = ['/', '/services/{name}', '/deployments/{id}', '/releases/{id}', '/changes', '/releases', '/admin/{section}', '/login'];
  const w = <T>(weight: number, arbitrary: fc.Arbitrary<T>) => ({ weight, arbitrary });
  const arb = fc.record({
    method: fc.oneof(w(8, fc.constantFrom('GET', 'POST', 'PATCH', 'DELETE', 'PUT', 'HEAD', 'OPTIONS')), w(1, fc.constantFrom('TRACE', 'PROPFIND', 'get'))),
    path: fc.oneof(w(6, fc.constantFrom(...ROUTE_TABLE.map((r) => r.pattern)).chain(filledPath)), w(3, fc.constantFrom(...pages).chain(filledPath)), w(2, junkPath)),
    cred: fc.constantFrom('none', 'viewer', 'cookie', 'garbage'),
    headers: extraHeaders,
    body: nastyBody,
  });
  // Reads only (a viewer, anonymous or garbage credentials): the fuzz must not change what later specs see.
  await fc.assert(
    fc.asyncProperty(arb, async (c) => {
      const body = c.body === undefined ? Buffer.alloc(0) : Buffer.from(c.body);
      const headers = [...c.headers.filter(([k]) => k !== 'cookie').map(([k, v]) => `${k}: ${v}`), `Content-Length: ${body.length}`];
      if (c.cred === 'viewer') headers.push(`Authorization: Bearer ${viewerToken}`);
      if (c.cred === 'garbage') headers.push('Authorization: Bearer fdt_garbage', 'Cookie: fd_session=%E0%A4%A');
      const a = await send(c.method, c.path, { headers, body, cookie: c.cred === 'cookie' && c.method === 'GET' });
      const what = `${c.method} ${c.path} as ${c.cred}`;
      expect(a, `${what}: no answer`).not.toBeNull();
      const api = c.path.startsWith('/api');
      // A page's own HTML is judged only when it is an error; an API answer always.
      const judged = c.method === 'HEAD' || (!api && a!.status < 400) ? '' : a!.body;
      expect(answerProblem(a!.status, judged, { json: api }), what).toBeNull();
      if (api && a!.status >= 400 && c.method !== 'HEAD') expect(a!.headers['content-type'], what).toMatch(/^application\/json/);
    }),
    { seed: FUZZ_SEED, numRuns: fuzzRuns(150), endOnFailure: true },
  );
});
