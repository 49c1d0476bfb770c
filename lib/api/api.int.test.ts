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
import { callRoute, expectApiError, type RouteHandler } from '../testing/route-call';

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

const call = <P>(h: RouteHandler<P>, method: string, params: P, body?: unknown, url?: string) => callRoute(h, { token, method, params, body, url });

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

describe('REST API v1', () => {
  it('GET /api/health reports the database', async () => {
    const res = await health.GET();
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ok', database: { ok: true } });
  });

  it('services and versions: create, read, and every refusal with its status', async () => {
    const created = await call(services.POST as RouteHandler<object>, 'POST', {}, svc);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'checkout', replicas: 3, liveVersion: null, createdBy: 'token:alice@example.com' });
    expect(created.body.health.gracePeriodSeconds).toBe(60);
    await call(services.POST as RouteHandler<object>, 'POST', {}, { name: 'ledger', template: { command: 'demo' }, dependencies: ['checkout'] });

    const before = await counts();
    expectApiError(await call(services.POST as RouteHandler<object>, 'POST', {}, svc), 409, 'conflict', /checkout already exists/);
    expectApiError(await call(services.POST as RouteHandler<object>, 'POST', {}, '{"name":'), 400, 'bad_request', /malformed JSON/);
    expectApiError(await call(services.POST as RouteHandler<object>, 'POST', {}, { ...svc, name: 'x', replicas: 0 }), 422, 'invalid', /replicas/);
    expectApiError(await call(services.POST as RouteHandler<object>, 'POST', {}, { ...svc, name: 'x', surprise: 1 }), 422, 'invalid', /surprise/);
    expectApiError(await call(services.POST as RouteHandler<object>, 'POST', {}, { ...svc, name: 'x', dependencies: ['ghost'] }), 404, 'not_found', /ghost/);
    expectApiError(
      await call(service.PATCH as RouteHandler<{ name: string }>, 'PATCH', { name: 'checkout' }, { dependencies: ['ledger'] }),
      422,
      'invalid',
      /dependency cycle: (checkout → ledger → checkout|ledger → checkout → ledger)/,
    );
    expectApiError(await call(service.GET as RouteHandler<{ name: string }>, 'GET', { name: 'nope' }), 404, 'not_found', /service nope not found/);
    expectApiError(await call(versions.POST as RouteHandler<{ name: string }>, 'POST', { name: 'checkout' }, { version: 'one' }), 422, 'invalid', /invalid semver "one"/);
    expectApiError(await call(versions.POST as RouteHandler<{ name: string }>, 'POST', { name: 'nope' }, { version: '1.0.0' }), 404, 'not_found', /nope/);
    expect(await counts()).toEqual(before);

    const v = await call(versions.POST as RouteHandler<{ name: string }>, 'POST', { name: 'checkout' }, { version: 'v1.0.0', config: { DB_URL: 'postgres://x' } });
    expect(v.status).toBe(201);
    expect(v.body.version).toBe('1.0.0');
    expectApiError(await call(versions.POST as RouteHandler<{ name: string }>, 'POST', { name: 'checkout' }, { version: '1.0.0' }), 409, 'conflict', /already exists/);
    await call(versions.POST as RouteHandler<{ name: string }>, 'POST', { name: 'checkout' }, { version: '1.1.0' });
    const list = await call(versions.GET as RouteHandler<{ name: string }>, 'GET', { name: 'checkout' });
    expect(list.body.versions.map((x: { version: string }) => x.version)).toEqual(['1.1.0', '1.0.0']);
  });

  it('deployments: dry run, 422s for bad plans and missing config, 409 while the lease is held, controls and events', async () => {
    const D = deployments.POST as RouteHandler<{ name: string }>;
    const before = await counts();
    expectApiError(await call(D, 'POST', { name: 'checkout' }, { version: '1.0.0', strategy: 'yolo' }), 422, 'invalid', /unknown strategy "yolo"/);
    expectApiError(await call(D, 'POST', { name: 'checkout' }, { version: '1.0.0', strategy: 'rolling', params: { batchSize: 0 } }), 422, 'invalid', /batchSize/);
    expectApiError(await call(D, 'POST', { name: 'checkout' }, { version: '1.0.0', strategy: 'canary', params: { steps: [50, 25] } }), 422, 'invalid', /strictly increasing/);
    expectApiError(await call(D, 'POST', { name: 'checkout' }, { version: '1.0.0', strategy: 'canary', params: { steps: [10, 120] } }), 422, 'invalid', /over 100/);
    expectApiError(await call(D, 'POST', { name: 'checkout' }, { version: '1.1.0' }), 422, 'invalid', /missing required config keys: DB_URL/);
    expectApiError(await call(D, 'POST', { name: 'checkout' }, { version: '9.9.9' }), 404, 'not_found', /9\.9\.9/);
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
    expectApiError(held, 409, 'conflict', new RegExp(`locked by deployment ${id}.* until \\d{4}-`));
    expect(held.body.error.details).toMatchObject({ holder: id, expiresAt: expect.any(String) });

    const got = await call(deployment.GET as RouteHandler<{ id: string }>, 'GET', { id });
    expect(got.body.lease.deploymentId).toBe(id);
    expectApiError(await call(deployment.GET as RouteHandler<{ id: string }>, 'GET', { id: '00000000-0000-0000-0000-000000000000' }), 404, 'not_found', /not found/);

    const A = action.POST as RouteHandler<{ id: string; action: string }>;
    expectApiError(await call(A, 'POST', { id, action: 'pause' }), 409, 'conflict', /cannot pause a deployment that is queued/);
    expectApiError(await call(A, 'POST', { id, action: 'explode' }), 404, 'not_found', /unknown deployment action/);
    const aborted = await call(A, 'POST', { id, action: 'abort' }, { reason: 'wrong version' });
    expect(aborted.body.state).toBe('aborted');
    expectApiError(await call(A, 'POST', { id, action: 'resume' }), 409, 'conflict', /aborted/);

    const ev = await call(events.GET as RouteHandler<{ id: string }>, 'GET', { id }, undefined, 'http://localhost/x?after=1');
    expect(ev.body.events.map((e: { seq: number }) => e.seq)).toEqual([2]);
    expect(ev.body.events[0]).toMatchObject({ type: 'deployment_aborted', actor: 'token:alice@example.com' });
    expectApiError(await call(events.GET as RouteHandler<{ id: string }>, 'GET', { id }, undefined, 'http://localhost/x?after=-3'), 422, 'invalid', /after/);
    // The lease went with the aborted deployment: the service can be deployed again.
    expect((await call(D, 'POST', { name: 'checkout' }, { version: '1.0.0', dryRun: true })).body.preview.preflight.lease).toBeNull();
  });

  it('rollback and releases: refusals name the problem', async () => {
    expectApiError(await call(rollback.POST as RouteHandler<{ name: string }>, 'POST', { name: 'ledger' }, {}), 409, 'conflict', /no previous good version/);
    expectApiError(await call(rollback.POST as RouteHandler<{ name: string }>, 'POST', { name: 'ghost' }, {}), 404, 'not_found', /ghost/);
    const R = releases.POST as RouteHandler<object>;
    expectApiError(await call(R, 'POST', {}, { items: [] }), 422, 'invalid', /items/);
    expectApiError(await call(R, 'POST', {}, { items: [{ service: 'checkout', version: '1.0.0' }, { service: 'checkout', version: '1.1.0' }] }), 422, 'invalid', /twice/);
    expectApiError(await call(R, 'POST', {}, { items: [{ service: 'ghost', version: '1.0.0' }] }), 404, 'not_found', /ghost/);
    const ok = await call(R, 'POST', {}, { items: [{ service: 'checkout', version: '1.0.0' }] });
    expect(ok.status).toBe(202);
    expect(ok.body.waves).toEqual([['checkout']]);
    const got = await call(release.GET as RouteHandler<{ id: string }>, 'GET', { id: ok.body.id });
    expect(got.body.items[0]).toMatchObject({ service: 'checkout', version: '1.0.0', wave: 0 });
  });
});
