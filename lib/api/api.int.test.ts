/**
 * REST API v1 through its real route handlers (app/api/…/route.ts) on a real database:
 * status codes, the error shape, and that refused requests change nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../testing/db';
import * as services from '@/app/api/v1/services/route';
import * as service from '@/app/api/v1/services/[name]/route';
import * as versions from '@/app/api/v1/services/[name]/versions/route';
import * as deployments from '@/app/api/v1/services/[name]/deployments/route';
import * as rollback from '@/app/api/v1/services/[name]/rollback/route';
import * as deployment from '@/app/api/v1/deployments/[id]/route';
import * as events from '@/app/api/v1/deployments/[id]/events/route';
import * as action from '@/app/api/v1/deployments/[id]/[action]/route';
import * as releases from '@/app/api/v1/releases/route';
import * as release from '@/app/api/v1/releases/[id]/route';
import * as health from '@/app/api/health/route';
import { createTestToken } from '../testing/auth';

let tdb: TestDatabase;
let token: string;
const saved = process.env.DATABASE_URL;

beforeAll(async () => {
  tdb = await createTestDatabase();
  process.env.DATABASE_URL = tdb.url;
  token = await createTestToken(tdb.db, 'admin', { name: 'alice@example.com' });
});
afterAll(async () => {
  process.env.DATABASE_URL = saved;
  await tdb.drop();
});

type Handler<P> = (req: Request, ctx: { params: Promise<P> }) => Promise<Response>;

async function call<P>(h: Handler<P>, method: string, params: P, body?: unknown, url = 'http://localhost/x') {
  const init: RequestInit = { method, headers: { authorization: `Bearer ${token}` } };
  if (body !== undefined) init.body = typeof body === 'string' ? body : JSON.stringify(body);
  const res = await h(new Request(url, init), { params: Promise.resolve(params) });
  return { status: res.status, body: (await res.json()) as any };
}

const svc = { name: 'checkout', replicas: 3, template: { command: 'demo' }, requiredConfigKeys: ['DB_URL'] };

async function counts() {
  const db = tdb.db;
  return {
    services: await db.service.count(),
    versions: await db.version.count(),
    deployments: await db.deployment.count(),
    events: await db.event.count(),
    leases: await db.lease.count(),
    releases: await db.release.count(),
  };
}

function expectError(r: { status: number; body: any }, status: number, code: string, message: RegExp) {
  expect(r.status).toBe(status);
  expect(r.body).toEqual({ error: { code, message: expect.any(String), details: expect.any(Object) } });
  expect(r.body.error.message).toMatch(message);
}

describe('REST API v1', () => {
  it('GET /api/health reports the database', async () => {
    const res = await health.GET();
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ok', database: { ok: true } });
  });

  it('services and versions: create, read, and every refusal with its status', async () => {
    const created = await call(services.POST as Handler<object>, 'POST', {}, svc);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'checkout', replicas: 3, liveVersion: null, createdBy: 'token:alice@example.com' });
    expect(created.body.health.gracePeriodSeconds).toBe(60);
    await call(services.POST as Handler<object>, 'POST', {}, { name: 'ledger', template: { command: 'demo' }, dependencies: ['checkout'] });

    const before = await counts();
    expectError(await call(services.POST as Handler<object>, 'POST', {}, svc), 409, 'conflict', /checkout already exists/);
    expectError(await call(services.POST as Handler<object>, 'POST', {}, '{"name":'), 400, 'bad_request', /malformed JSON/);
    expectError(await call(services.POST as Handler<object>, 'POST', {}, { ...svc, name: 'x', replicas: 0 }), 422, 'invalid', /replicas/);
    expectError(await call(services.POST as Handler<object>, 'POST', {}, { ...svc, name: 'x', surprise: 1 }), 422, 'invalid', /surprise/);
    expectError(await call(services.POST as Handler<object>, 'POST', {}, { ...svc, name: 'x', dependencies: ['ghost'] }), 404, 'not_found', /ghost/);
    expectError(
      await call(service.PATCH as Handler<{ name: string }>, 'PATCH', { name: 'checkout' }, { dependencies: ['ledger'] }),
      422,
      'invalid',
      /dependency cycle: (checkout → ledger → checkout|ledger → checkout → ledger)/,
    );
    expectError(await call(service.GET as Handler<{ name: string }>, 'GET', { name: 'nope' }), 404, 'not_found', /service nope not found/);
    expectError(await call(versions.POST as Handler<{ name: string }>, 'POST', { name: 'checkout' }, { version: 'one' }), 422, 'invalid', /invalid semver "one"/);
    expectError(await call(versions.POST as Handler<{ name: string }>, 'POST', { name: 'nope' }, { version: '1.0.0' }), 404, 'not_found', /nope/);
    expect(await counts()).toEqual(before);

    const v = await call(versions.POST as Handler<{ name: string }>, 'POST', { name: 'checkout' }, { version: 'v1.0.0', config: { DB_URL: 'postgres://x' } });
    expect(v.status).toBe(201);
    expect(v.body.version).toBe('1.0.0');
    expectError(await call(versions.POST as Handler<{ name: string }>, 'POST', { name: 'checkout' }, { version: '1.0.0' }), 409, 'conflict', /already exists/);
    await call(versions.POST as Handler<{ name: string }>, 'POST', { name: 'checkout' }, { version: '1.1.0' });
    const list = await call(versions.GET as Handler<{ name: string }>, 'GET', { name: 'checkout' });
    expect(list.body.versions.map((x: { version: string }) => x.version)).toEqual(['1.1.0', '1.0.0']);
  });

  it('deployments: dry run, 422s for bad plans and missing config, 409 while the lease is held, controls and events', async () => {
    const D = deployments.POST as Handler<{ name: string }>;
    const before = await counts();
    expectError(await call(D, 'POST', { name: 'checkout' }, { version: '1.0.0', strategy: 'yolo' }), 422, 'invalid', /unknown strategy "yolo"/);
    expectError(await call(D, 'POST', { name: 'checkout' }, { version: '1.0.0', strategy: 'rolling', params: { batchSize: 0 } }), 422, 'invalid', /batchSize/);
    expectError(await call(D, 'POST', { name: 'checkout' }, { version: '1.0.0', strategy: 'canary', params: { steps: [50, 25] } }), 422, 'invalid', /strictly increasing/);
    expectError(await call(D, 'POST', { name: 'checkout' }, { version: '1.0.0', strategy: 'canary', params: { steps: [10, 120] } }), 422, 'invalid', /over 100/);
    expectError(await call(D, 'POST', { name: 'checkout' }, { version: '1.1.0' }), 422, 'invalid', /missing required config keys: DB_URL/);
    expectError(await call(D, 'POST', { name: 'checkout' }, { version: '9.9.9' }), 404, 'not_found', /9\.9\.9/);
    const dry = await call(D, 'POST', { name: 'checkout' }, { version: '1.0.0', strategy: 'rolling', dryRun: true });
    expect(dry.status).toBe(200);
    expect(dry.body.preview.batches).toEqual([[0], [1], [2]]);
    expect(dry.body.preview.preflight.ok).toBe(true);
    const dryMissing = await call(D, 'POST', { name: 'checkout' }, { version: '1.1.0', dryRun: true });
    expect(dryMissing.body.preview.preflight.missingConfigKeys).toEqual(['DB_URL']);
    expect(await counts()).toEqual(before);

    const made = await call(D, 'POST', { name: 'checkout' }, { version: '1.0.0', strategy: 'canary' });
    expect(made.status).toBe(202);
    expect(made.body).toMatchObject({ state: 'queued', strategy: 'canary', to: '1.0.0', actor: 'token:alice@example.com' });
    const id = made.body.id as string;

    const held = await call(D, 'POST', { name: 'checkout' }, { version: '1.0.0' });
    expectError(held, 409, 'conflict', new RegExp(`locked by deployment ${id}.* until \\d{4}-`));
    expect(held.body.error.details).toMatchObject({ holder: id, expiresAt: expect.any(String) });

    const got = await call(deployment.GET as Handler<{ id: string }>, 'GET', { id });
    expect(got.body.lease.deploymentId).toBe(id);
    expectError(await call(deployment.GET as Handler<{ id: string }>, 'GET', { id: '00000000-0000-0000-0000-000000000000' }), 404, 'not_found', /not found/);

    const A = action.POST as Handler<{ id: string; action: string }>;
    expectError(await call(A, 'POST', { id, action: 'pause' }), 409, 'conflict', /cannot pause a deployment that is queued/);
    expectError(await call(A, 'POST', { id, action: 'explode' }), 404, 'not_found', /unknown deployment action/);
    const aborted = await call(A, 'POST', { id, action: 'abort' }, { reason: 'wrong version' });
    expect(aborted.body.state).toBe('aborted');
    expectError(await call(A, 'POST', { id, action: 'resume' }), 409, 'conflict', /aborted/);

    const ev = await call(events.GET as Handler<{ id: string }>, 'GET', { id }, undefined, 'http://localhost/x?after=1');
    expect(ev.body.events.map((e: { seq: number }) => e.seq)).toEqual([2]);
    expect(ev.body.events[0]).toMatchObject({ type: 'deployment_aborted', actor: 'token:alice@example.com' });
    expectError(await call(events.GET as Handler<{ id: string }>, 'GET', { id }, undefined, 'http://localhost/x?after=-3'), 422, 'invalid', /after/);
    // The lease went with the aborted deployment: the service can be deployed again.
    expect((await call(D, 'POST', { name: 'checkout' }, { version: '1.0.0', dryRun: true })).body.preview.preflight.lease).toBeNull();
  });

  it('rollback and releases: refusals name the problem', async () => {
    expectError(await call(rollback.POST as Handler<{ name: string }>, 'POST', { name: 'ledger' }, {}), 409, 'conflict', /no previous good version/);
    expectError(await call(rollback.POST as Handler<{ name: string }>, 'POST', { name: 'ghost' }, {}), 404, 'not_found', /ghost/);
    const R = releases.POST as Handler<object>;
    expectError(await call(R, 'POST', {}, { items: [] }), 422, 'invalid', /items/);
    expectError(await call(R, 'POST', {}, { items: [{ service: 'checkout', version: '1.0.0' }, { service: 'checkout', version: '1.1.0' }] }), 422, 'invalid', /twice/);
    expectError(await call(R, 'POST', {}, { items: [{ service: 'ghost', version: '1.0.0' }] }), 404, 'not_found', /ghost/);
    const ok = await call(R, 'POST', {}, { items: [{ service: 'checkout', version: '1.0.0' }] });
    expect(ok.status).toBe(202);
    expect(ok.body.waves).toEqual([['checkout']]);
    const got = await call(release.GET as Handler<{ id: string }>, 'GET', { id: ok.body.id });
    expect(got.body.items[0]).toMatchObject({ service: 'checkout', version: '1.0.0', wave: 0 });
  });
});
