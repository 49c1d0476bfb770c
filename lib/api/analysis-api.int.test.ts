/**
 * REST API v1 for canary analysis through the real route handlers on a real database:
 * analysis config validation (422 naming the problem, nothing changed), the analysis read
 * model, and the error budget.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../testing/db';
import { createTestToken } from '../testing/auth';
import { callRoute, expectApiError, type RouteHandler } from '../testing/route-call';
import * as services from '@/app/api/v1/services/route';
import * as service from '@/app/api/v1/services/[name]/route';
import * as versions from '@/app/api/v1/services/[name]/versions/route';
import * as deployments from '@/app/api/v1/services/[name]/deployments/route';
import * as analysis from '@/app/api/v1/deployments/[id]/analysis/route';
import * as budget from '@/app/api/v1/services/[name]/error-budget/route';

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

const S = services.POST as RouteHandler<object>;
const P = service.PATCH as RouteHandler<{ name: string }>;
const D = deployments.POST as RouteHandler<{ name: string }>;
const A = analysis.GET as RouteHandler<{ id: string }>;
const B = budget.GET as RouteHandler<{ name: string }>;

describe('canary analysis API', () => {
  it('validates analysis configs on services and deployments: 422 naming the field, nothing changed', async () => {
    const base = { name: 'shop', replicas: 2, template: { command: 'demo' } };
    expectApiError(await call(S, 'POST', {}, { ...base, analysis: { metrics: [{ name: 'p99', provider: 'prometheus', threshold: 1 }] } }), 422, 'invalid', /analysis\.metrics\[0\]\.query \(PromQL\) is required/);
    expect(await tdb.db.service.count()).toBe(0);
    const good = { metrics: [{ name: 'errors', kind: 'error_rate', threshold: 0.02 }, { name: 'p99', kind: 'latency', percentile: 99, maxChange: 50 }], intervalSeconds: 5, webhooks: [{ url: 'http://hooks.local/x', format: 'slack' }] };
    const created = await call(S, 'POST', {}, { ...base, analysis: good, budgetFreeze: true });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ analysis: good, budgetFreeze: true });
    expectApiError(await call(P, 'PATCH', { name: 'shop' }, { analysis: { metrics: [{ name: 'x', kind: 'latency', percentile: 101 }] } }), 422, 'invalid', /analysis\.metrics\[0\]\.percentile must be between 50 and 99\.9, got 101/);
    expect((await tdb.db.service.findUniqueOrThrow({ where: { name: 'shop' } })).analysis).toEqual(good);

    await call(versions.POST as RouteHandler<{ name: string }>, 'POST', { name: 'shop' }, { version: '1.0.0' });
    await call(versions.POST as RouteHandler<{ name: string }>, 'POST', { name: 'shop' }, { version: '1.1.0' });
    expectApiError(await call(D, 'POST', { name: 'shop' }, { version: '1.0.0', strategy: 'canary', analysis: { metrics: [{ name: 'q', provider: 'web', url: 'ftp://x', path: 'v', threshold: 1 }] } }), 422, 'invalid', /analysis\.metrics\[0\]\.url must be an http\(s\) URL/);
    expectApiError(await call(D, 'POST', { name: 'shop' }, { version: '1.0.0', strategy: 'rolling', analysis: {} }), 422, 'invalid', /analysis applies to canary deployments only, not rolling/);
    expectApiError(await call(D, 'POST', { name: 'shop' }, { version: '1.0.0', strategy: 'canary', analysis: { alpha: 0.5 } }), 422, 'invalid', /analysis\.alpha must be in \(0, 0\.05\]/);
    expect(await tdb.db.deployment.count()).toBe(0);
  });

  it('serves the analysis of a canary deployment and 404s an unknown one', async () => {
    // First deployment (no baseline: no analysis), then a canary whose plan carries the merged config.
    const first = await call(D, 'POST', { name: 'shop' }, { version: '1.0.0', strategy: 'canary' });
    expect(first.status).toBe(202);
    await tdb.db.deployment.update({ where: { id: first.body.id }, data: { state: 'succeeded', activeFor: null } });
    await tdb.db.lease.deleteMany({});
    const v1 = await tdb.db.version.findFirstOrThrow({ where: { semver: '1.0.0' } });
    const svc = await tdb.db.service.findUniqueOrThrow({ where: { name: 'shop' } });
    const env = await tdb.db.environment.findFirstOrThrow({ orderBy: { order: 'asc' } });
    await tdb.db.releaseHistory.create({ data: { serviceId: svc.id, environmentId: env.id, versionId: v1.id, from: new Date() } });
    await tdb.db.service.update({ where: { id: svc.id }, data: { budgetFreeze: false } });
    const r = await call(D, 'POST', { name: 'shop' }, { version: '1.1.0', strategy: 'canary', params: { steps: [20] }, analysis: { minSamples: 30, windowSeconds: 60 } });
    expect(r.status).toBe(202);
    const id = r.body.id as string;
    const a = await call(A, 'GET', { id });
    expect(a.status).toBe(200);
    expect(a.body).toMatchObject({
      deploymentId: id,
      service: 'shop',
      canary: { version: '1.1.0' },
      baseline: { version: '1.0.0' },
      config: { intervalSeconds: 5, minSamples: 30, windowSeconds: 60 },
      steps: [{ weight: 20, state: 'not_started', windowSeconds: 60, remainingSeconds: 60, samples: { canary: 0, baseline: 0, min: 30 }, verdict: null }],
    });
    expect(a.body.steps[0].series.map((s: { metric: string }) => s.metric)).toEqual(['errors', 'p99']);
    expectApiError(await call(A, 'GET', { id: '00000000-0000-0000-0000-000000000000' }), 404, 'not_found', /deployment .* not found/);
  });

  it('reports the error budget: 99.9% is 43.2 minutes a month', async () => {
    const r = await call(B, 'GET', { name: 'shop' });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ service: 'shop', sloAvailability: 99.9, periodDays: 30, budgetMinutes: 43.2, spentMinutes: 0, leftMinutes: 43.2, exhausted: false, frozen: false });
    expectApiError(await call(B, 'GET', { name: 'nope' }), 404, 'not_found', /service nope not found/);
    // Shown per service, too.
    const s = await call(service.GET as RouteHandler<{ name: string }>, 'GET', { name: 'shop' });
    expect(s.body.errorBudget).toMatchObject({ budgetMinutes: 43.2, leftMinutes: 43.2, frozen: false });
  });
});
