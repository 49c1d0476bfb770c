/**
 * Access control over every REST route, through the real route handlers on a real
 * database: anonymous → 401, a role too low → 403, a revoked token → 401, a scoped token
 * cannot act on another service; refusals are audited and change nothing; a malformed-input
 * pass over every route is always a 4xx with the error shape and writes nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { createTestDatabase, type TestDatabase } from '../testing/db';
import * as loginRoute from '@/app/api/v1/auth/login/route';
import * as auditRoute from '@/app/api/v1/audit/route';
import { PUBLIC_ROUTES as PUBLIC, ROUTE_MODULES, routeTable, rowCounts, seedRouteRows, type Route } from '../testing/routes';
import { openApiDocument } from '../api/openapi';
import { handler } from '../api/http';
import { createUser } from './users';

let tdb: TestDatabase;
const saved = process.env.DATABASE_URL;
const ids = { deployment: '', release: '', betaRelease: '', user: '', token: '' };
const tok: Record<'viewer' | 'deployer' | 'approver' | 'admin' | 'revoked' | 'scopedAlpha', string> = { viewer: '', deployer: '', approver: '', admin: '', revoked: '', scopedAlpha: '' };

const ROUTES: Route[] = routeTable(ids);

async function call(r: Route, headers: Record<string, string>, body?: unknown) {
  const init: RequestInit = { method: r.method, headers };
  if (r.method !== 'GET' && body !== undefined) init.body = typeof body === 'string' ? body : JSON.stringify(body);
  const res = await r.h(new Request(`http://localhost/${r.file}`, init), { params: Promise.resolve(r.params()) });
  const text = await res.text();
  let json: any = null;
  try {
    json = JSON.parse(text);
  } catch {
    /* metrics is text */
  }
  return { status: res.status, body: json, text };
}
const auth = (t: string) => ({ authorization: `Bearer ${t}` });

const counts = () => rowCounts(tdb.db);

function expectErrorShape(r: { status: number; body: any; text: string }) {
  expect(r.body, r.text).toEqual({ error: { code: expect.any(String), message: expect.any(String), details: expect.any(Object) } });
  expect(r.text).not.toMatch(/\n\s+at |node_modules|\.ts:\d+/);
}

beforeAll(async () => {
  tdb = await createTestDatabase();
  process.env.DATABASE_URL = tdb.url;
  const db = tdb.db;
  await db.host.create({ data: { name: 'web-1', address: 'http://10.9.9.1:7070', token: 'the-agent-token-of-web-1', createdBy: 'setup' } });
  const t = await seedRouteRows(db, ids, '');
  Object.assign(tok, { viewer: t.viewer, deployer: t.deployer, approver: t.approver, admin: t.admin, revoked: t.revoked, scopedAlpha: t.scoped });
});
afterAll(async () => {
  process.env.DATABASE_URL = saved;
  await tdb.drop();
});

describe('access control on every route', () => {
  it('the table below covers every route file under app/ (a new route must be added here)', () => {
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const f of readdirSync(dir)) {
        const p = path.join(dir, f);
        if (statSync(p).isDirectory()) walk(p);
        else if (f === 'route.ts') files.push(path.relative(path.resolve('app'), p));
      }
    };
    walk(path.resolve('app'));
    expect(new Set([...ROUTES.map((r) => r.file), ...PUBLIC])).toEqual(new Set(files));
    expect(new Set(Object.keys(ROUTE_MODULES))).toEqual(new Set(files)); // the test API server serves them all
  });

  it('the OpenAPI document lists every REST v1 route with the role it needs', () => {
    const doc = openApiDocument() as { paths: Record<string, Record<string, { 'x-flightdeck-role': string }>> };
    for (const r of ROUTES.filter((x) => x.file.startsWith('api/v1/'))) {
      const p = '/' + r.file.replace(/\/route\.ts$/, '').replace(/\[(\w+)\]/g, '{$1}');
      expect(doc.paths[p]?.[r.method.toLowerCase()]?.['x-flightdeck-role'], `${r.method} ${p}`).toBe(r.role);
    }
  });

  it.each(ROUTES.map((r) => [`${r.method} ${r.file}`, r] as const))('%s: anonymous → 401, audited; nothing written', async (_n, r) => {
    const before = await counts();
    const auditBefore = await tdb.db.auditEntry.count({ where: { outcome: 'unauthenticated' } });
    const res = await call(r, {}, r.body?.());
    expect(res.status).toBe(401);
    expectErrorShape(res);
    expect(res.body.error.code).toBe('unauthorized');
    expect(await counts()).toEqual(before);
    expect(await tdb.db.auditEntry.count({ where: { outcome: 'unauthenticated' } })).toBe(auditBefore + 1);
  });

  it.each(ROUTES.map((r) => [`${r.method} ${r.file}`, r] as const))('%s: a revoked token → 401 naming the revocation', async (_n, r) => {
    const res = await call(r, auth(tok.revoked), r.body?.());
    expect(res.status).toBe(401);
    expect(res.body.error.message).toMatch(/revoked/);
  });

  it.each(ROUTES.filter((r) => r.role !== 'viewer').map((r) => [`${r.method} ${r.file}`, r] as const))('%s: a role below the one needed → 403, audited; nothing written', async (_n, r) => {
    const lower = r.role === 'admin' ? ['viewer', 'deployer', 'approver'] : r.role === 'approver' ? ['viewer', 'deployer'] : ['viewer'];
    for (const role of lower) {
      const before = await counts();
      const res = await call(r, auth(tok[role as 'viewer']), r.body?.());
      expect(res.status, `${role}: ${res.text}`).toBe(403);
      expectErrorShape(res);
      expect(res.body.error.message).toMatch(new RegExp(`needs the ${r.role} role`));
      expect(await counts()).toEqual(before);
      const last = await tdb.db.auditEntry.findFirstOrThrow({ orderBy: { id: 'desc' } });
      expect(last).toMatchObject({ actor: `token:${role}`, outcome: 'denied', status: 403 });
    }
  });

  it('a route wrapped without a role is safe by default: reads need a viewer, anything else an admin', async () => {
    const unmarked = handler(async () => ({ ok: true }));
    const run = (method: string, headers: Record<string, string>) => unmarked(new Request('http://localhost/api/v1/new-thing', { method, headers }), {});
    expect((await run('GET', {})).status).toBe(401);
    expect((await run('GET', auth(tok.viewer))).status).toBe(200);
    expect((await run('POST', auth(tok.deployer))).status).toBe(403);
    expect((await run('DELETE', auth(tok.viewer))).status).toBe(403);
    expect((await run('POST', auth(tok.admin))).status).toBe(200);
  });

  it('a role too low is refused before anything is looked up (a viewer cannot probe which deployments exist)', async () => {
    const r = ROUTES.find((x) => x.file === 'api/v1/deployments/[id]/[action]/route.ts')!;
    const res = await r.h(new Request('http://localhost/x', { method: 'POST', headers: auth(tok.viewer), body: '{}' }), {
      params: Promise.resolve({ id: '00000000-0000-0000-0000-000000000000', action: 'abort' }),
    });
    expect(res.status).toBe(403);
  });

  it('a token scoped to alpha cannot act on beta (every deployer route), and may on alpha', async () => {
    for (const r of ROUTES.filter((x) => x.role === 'deployer')) {
      const before = await counts();
      const res = await call(r, auth(tok.scopedAlpha), r.body?.());
      expect(res.status, `${r.method} ${r.file}: ${res.text}`).toBe(403);
      expect(res.body.error.message).toMatch(/may act only on alpha; not on beta/);
      expect(await counts()).toEqual(before);
    }
    const dep = ROUTES.find((x) => x.file.includes('[name]/deployments'))!;
    const ok = await dep.h(new Request('http://localhost/x', { method: 'POST', headers: auth(tok.scopedAlpha), body: JSON.stringify({ version: '1.0.0', dryRun: true }) }), {
      params: Promise.resolve({ name: 'alpha' }),
    });
    expect(ok.status).toBe(200);
    // A release touching alpha and beta is refused as a whole.
    const rel = await call(ROUTES.find((x) => x.file === 'api/v1/releases/route.ts')!, auth(tok.scopedAlpha), {
      items: [
        { service: 'alpha', version: '1.0.0' },
        { service: 'beta', version: '1.0.0' },
      ],
    });
    expect(rel.status).toBe(403);
  });

  it('each role reaches what it may: a viewer reads, a deployer deploys, an admin manages', async () => {
    for (const r of ROUTES.filter((x) => x.method === 'GET')) {
      const role = r.role === 'admin' ? 'admin' : 'viewer';
      const res = await call(r, auth(tok[role]));
      expect(res.status, `${r.file} as ${role}: ${res.text}`).toBeLessThan(400);
    }
    const dry = await call(ROUTES.find((x) => x.file.includes('rollback'))!, auth(tok.deployer), { dryRun: true });
    expect([200, 409]).toContain(dry.status); // beta has no previous version: a 409, past authorisation
  });

  it('a session cookie from another site cannot mutate (Origin check); the same site can', async () => {
    const { login } = await import('./sessions');
    const s = await login(tdb.db, { email: 'admin-cookie@example.com', password: 'x' }).catch(() => null);
    expect(s).toBeNull();
    await createUser(tdb.db, { email: 'carol@example.com', password: 'carol-password-1', role: 'admin' }, 'setup');
    const signed = await login(tdb.db, { email: 'carol@example.com', password: 'carol-password-1' });
    const cookie = `fd_session=${signed.secret}`;
    const r = ROUTES.find((x) => x.file === 'api/v1/services/[name]/route.ts' && x.method === 'PATCH')!;
    const before = await counts();
    const cross = await call(r, { cookie, origin: 'https://evil.example', host: 'localhost' }, { description: 'pwned' });
    expect(cross.status).toBe(403);
    expect(cross.body.error.message).toMatch(/cross-site/);
    expect(await counts()).toEqual(before);
    const same = await call(r, { cookie, origin: 'http://localhost', host: 'localhost' }, { description: 'ok' });
    expect(same.status).toBe(200);
    expect(same.body.description).toBe('ok');
  });
});

describe('malformed input over every route', () => {
  const huge = JSON.stringify({ name: 'x'.repeat(1024 * 1024 + 10) });
  const PAYLOADS: Array<[string, unknown]> = [
    ['malformed JSON', '{"name":'],
    ['a JSON string', '"hello"'],
    ['a number', '42'],
    ['null', 'null'],
    ['an array', '[1,2,3]'],
    ['wrong types', { name: 42, version: false, items: 'all', replicas: 'three', role: 7, email: [], password: {}, dryRun: 'yes', toVersion: 1 }],
    ['unknown fields only', { surprise: true, __proto__x: 1 }],
    ['huge payload (over 1 MiB)', huge],
    ['NUL characters', { name: 'a\u0000b', version: '1.0.0\u0000', notes: '\u0000', email: 'x\u0000@y.z', description: '\u0000', items: [{ service: 'beta\u0000', version: '1.0.0' }] }],
    ['binary garbage', '\u0000\u0001\u00ff{{{'],
    ['deeply nested', '['.repeat(5000) + ']'.repeat(5000)],
  ];

  it.each(ROUTES.filter((r) => r.method !== 'GET').map((r) => [`${r.method} ${r.file}`, r] as const))('%s: always a 4xx with the error shape, nothing written', async (_n, r) => {
    for (const [what, payload] of PAYLOADS) {
      if (r.file.includes('logout') || r.file.includes('tokens/[id]') || r.file.includes('freeze-windows/[id]') || r.file.includes('subscriptions/[id]')) continue; // take no body
      const before = await counts();
      const audited = await tdb.db.auditEntry.count();
      const res = await call(r, auth(tok.admin), payload);
      expect(res.status, `${what}: ${res.text.slice(0, 300)}`).toBeGreaterThanOrEqual(400);
      expect(res.status, `${what}: ${res.text.slice(0, 300)}`).toBeLessThan(500);
      expectErrorShape(res);
      if (what.startsWith('huge')) expect(res.body.error.message).toMatch(/request body over 1048576 bytes/);
      expect(await counts(), what).toEqual(before);
      // …and the refused attempt is on the audit log, whatever bytes it carried.
      expect(await tdb.db.auditEntry.count(), `${what} audited`).toBe(audited + 1);
      expect(await tdb.db.auditEntry.findFirstOrThrow({ orderBy: { id: 'desc' } }), what).toMatchObject({ actor: 'token:admin', outcome: 'rejected', status: res.status });
    }
  });

  it('malformed path parameters and query strings: 4xx, never 500', async () => {
    const weird = ['', ' ', '../etc', 'x'.repeat(5000), '00000000-0000-0000-0000-00000000000g', '------------------------------------', '%00', '\u0000', 'a\u0000b', 'ALPHA'];
    for (const r of ROUTES.filter((x) => Object.keys(x.params()).length > 0)) {
      for (const w of weird) {
        const params = Object.fromEntries(Object.keys(r.params()).map((k) => [k, w]));
        const res = await r.h(new Request('http://localhost/x?after=-1&limit=abc', { method: r.method, headers: auth(tok.admin), ...(r.method === 'GET' ? {} : { body: '{}' }) }), {
          params: Promise.resolve(params),
        });
        const text = await res.text();
        expect(res.status, `${r.method} ${r.file} ${JSON.stringify(w)}: ${text.slice(0, 200)}`).toBeGreaterThanOrEqual(400);
        expect(res.status, `${r.method} ${r.file} ${JSON.stringify(w)}: ${text.slice(0, 200)}`).toBeLessThan(500);
      }
    }
    const a = await call(ROUTES.find((x) => x.file === 'api/v1/audit/route.ts')!, auth(tok.admin));
    expect(a.status).toBe(200);
    const nul = await auditRoute.GET(new Request('http://localhost/x?actor=%00', { headers: auth(tok.admin) }), { params: Promise.resolve({}) } as never);
    expect(nul.status).toBe(422);
    const bad = await auditRoute.GET(new Request('http://localhost/x?limit=abc&sneaky=1', { headers: auth(tok.admin) }), { params: Promise.resolve({}) } as never);
    expect(bad.status).toBe(422);
  });

  it('sign-in with malformed input: 4xx, nothing written but the audit row', async () => {
    for (const [what, payload] of PAYLOADS) {
      const before = await counts();
      const res = await loginRoute.POST(new Request('http://localhost/x', { method: 'POST', body: typeof payload === 'string' ? payload : JSON.stringify(payload) }), { params: Promise.resolve({}) } as never);
      expect(res.status, what).toBeGreaterThanOrEqual(400);
      expect(res.status, what).toBeLessThan(500);
      expect(await counts()).toEqual(before);
    }
  });
});
