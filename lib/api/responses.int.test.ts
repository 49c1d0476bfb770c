/**
 * Every answer of REST API v1, from the real route handlers on a real database (the in-memory
 * runtime, a canary analysed under a manual clock), parsed with the response schema the
 * OpenAPI document shows for it. The schemas are strict: a field added, renamed or dropped
 * without its schema fails here, and so does an operation no test here answers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { createTestDatabase, type TestDatabase } from '../testing/db';
import { World } from '../testing/fixtures';
import { createTestToken } from '../testing/auth';
import { setRuntime } from '../runtime/registry';
import { createUser } from '../auth/users';
import { claimDeployment } from '../state/leases';
import { documentedResponse, OPENAPI_OPERATIONS } from './openapi';
import * as services from '@/app/api/v1/services/route';
import * as service from '@/app/api/v1/services/[name]/route';
import * as versions from '@/app/api/v1/services/[name]/versions/route';
import * as deployments from '@/app/api/v1/services/[name]/deployments/route';
import * as rollback from '@/app/api/v1/services/[name]/rollback/route';
import * as errorBudget from '@/app/api/v1/services/[name]/error-budget/route';
import * as instances from '@/app/api/v1/services/[name]/instances/route';
import * as leaseBreak from '@/app/api/v1/services/[name]/lease/break/route';
import * as deployment from '@/app/api/v1/deployments/[id]/route';
import * as events from '@/app/api/v1/deployments/[id]/events/route';
import * as action from '@/app/api/v1/deployments/[id]/[action]/route';
import * as analysis from '@/app/api/v1/deployments/[id]/analysis/route';
import * as releases from '@/app/api/v1/releases/route';
import * as release from '@/app/api/v1/releases/[id]/route';
import * as overview from '@/app/api/v1/overview/route';
import * as changes from '@/app/api/v1/changes/route';
import * as users from '@/app/api/v1/users/route';
import * as user from '@/app/api/v1/users/[id]/route';
import * as tokens from '@/app/api/v1/tokens/route';
import * as token from '@/app/api/v1/tokens/[id]/route';
import * as audit from '@/app/api/v1/audit/route';
import * as me from '@/app/api/v1/auth/me/route';
import * as login from '@/app/api/v1/auth/login/route';
import * as logout from '@/app/api/v1/auth/logout/route';
import * as openapi from '@/app/api/v1/openapi.json/route';
import * as health from '@/app/api/health/route';
import * as environments from '@/app/api/v1/environments/route';
import * as environmentRoute from '@/app/api/v1/environments/[name]/route';
import * as freezeWindows from '@/app/api/v1/freeze-windows/route';
import * as freezeWindow from '@/app/api/v1/freeze-windows/[id]/route';
import * as promote from '@/app/api/v1/services/[name]/promote/route';
import * as approve from '@/app/api/v1/deployments/[id]/approve/route';
import * as reject from '@/app/api/v1/deployments/[id]/reject/route';
import * as approvals from '@/app/api/v1/approvals/route';
import * as hosts from '@/app/api/v1/hosts/route';
import * as hostRoute from '@/app/api/v1/hosts/[name]/route';
import * as releaseRollback from '@/app/api/v1/releases/[id]/rollback/route';
import * as subscriptions from '@/app/api/v1/notifications/subscriptions/route';
import * as subscription from '@/app/api/v1/notifications/subscriptions/[id]/route';
import * as deploymentNotifications from '@/app/api/v1/deployments/[id]/notifications/route';
import * as rollbackWindows from '@/app/api/v1/rollback-windows/route';
import { advanceReleases, getRelease } from '../services/releases';
import * as insights from '@/app/api/v1/insights/route';

type Handler = (req: Request, ctx: { params: Promise<Record<string, string>> }) => Promise<Response>;

let tdb: TestDatabase;
let w: World;
let admin: string;
const saved = process.env.DATABASE_URL;
const answered = new Set<string>();
const ids = { canary: '', running: '', release: '', user: '', token: '' };

beforeAll(async () => {
  tdb = await createTestDatabase();
  process.env.DATABASE_URL = tdb.url;
  admin = await createTestToken(tdb.db, 'admin', { name: 'alice' });
  w = new World(tdb.db);
  w.clock.advance(Date.now() - w.clock.now()); // analysis times on wall time, as the route reads them
  setRuntime(w.runtime);
  await w.service({ name: 'auth', replicas: 2 }, ['1.0.0', '1.1.0']);
  await w.service(
    {
      name: 'shop',
      replicas: 2,
      dependencies: ['auth'],
      defaultStrategy: 'canary',
      strategyParams: { steps: [50], windowSeconds: 60, minSamples: 20 },
      analysis: { webhooks: [{ url: 'http://127.0.0.1:1/hook', format: 'slack' }] },
      hooks: { pre: [{ name: 'migrate', type: 'command', command: 'true' }], post: [] },
      requiredConfigKeys: ['DB_URL'],
    },
    [{ version: '1.0.0', config: { DB_URL: 'x' } }, { version: '2.0.0', config: { DB_URL: 'x' } }, { version: '3.0.0', config: { DB_URL: 'x' } }],
  );
  w.runtime.setLoad('shop', 50);
  w.runtime.setLoad('auth', 5);
  await w.deploy('auth', { version: '1.0.0', strategy: 'rolling' });
  await w.deploy('shop', { version: '1.0.0', strategy: 'rolling' });
  ids.canary = (await w.deploy('shop', { version: '2.0.0' })).id; // the service's canary, analysed
  // One deployment left in flight, held by a worker: a lease to show and to break.
  const running = await w.start('auth', { version: '1.1.0', strategy: 'blue-green', params: { previewHold: true } });
  await w.run(running.lease, { until: async () => (await tdb.db.deployment.findUniqueOrThrow({ where: { id: running.id } })).cursor >= 2 });
  ids.running = running.id;
}, 180_000);
afterAll(async () => {
  process.env.DATABASE_URL = saved;
  await tdb.drop();
});

async function call(
  h: unknown,
  method: string,
  documented: string,
  opts: { params?: Record<string, string>; body?: unknown; url?: string; headers?: Record<string, string> } = {},
): Promise<{ status: number; body: any; headers: Headers }> {
  const init: RequestInit = { method, headers: opts.headers ?? { authorization: `Bearer ${admin}` } };
  if (opts.body !== undefined) init.body = JSON.stringify(opts.body);
  const res = await (h as Handler)(new Request(opts.url ?? `http://localhost${documented}`, init), { params: Promise.resolve(opts.params ?? {}) });
  const body = await res.json();
  expect(res.status, `${method} ${documented}: ${JSON.stringify(body).slice(0, 500)}`).toBeLessThan(400);
  const schema = documentedResponse(method, documented, res.status);
  expect(schema, `${method} ${documented} answers ${res.status}, which the document does not show`).toBeDefined();
  const parsed = (schema as z.ZodType).safeParse(body);
  expect(parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`), `${method} ${documented} ${res.status}`).toEqual([]);
  answered.add(`${method} ${documented} ${res.status}`);
  return { status: res.status, body, headers: res.headers };
}

describe('every answer matches its documented schema', () => {
  it('services, versions, budget, instances', async () => {
    const list = await call(services.GET, 'GET', '/api/v1/services');
    expect(list.body.services.map((s: { name: string }) => s.name)).toEqual(['auth', 'shop']);
    const shop = await call(service.GET, 'GET', '/api/v1/services/{name}', { params: { name: 'shop' } });
    expect(shop.body.strategyParams).toEqual({ steps: [50], windowSeconds: 60, minSamples: 20 });
    await call(services.POST, 'POST', '/api/v1/services', { body: { name: 'ledger', template: { command: 'demo' }, health: { gracePeriodSeconds: 5 } } });
    await call(service.PATCH, 'PATCH', '/api/v1/services/{name}', { params: { name: 'ledger' }, body: { description: 'books', strategyParams: { batchSize: 2 } } });
    await call(versions.GET, 'GET', '/api/v1/services/{name}/versions', { params: { name: 'shop' } });
    await call(versions.POST, 'POST', '/api/v1/services/{name}/versions', { params: { name: 'ledger' }, body: { version: '0.1.0', artifact: { image: 'ledger:0.1' }, notes: 'first' } });
    await call(errorBudget.GET, 'GET', '/api/v1/services/{name}/error-budget', { params: { name: 'shop' } });
    const inst = await call(instances.GET, 'GET', '/api/v1/services/{name}/instances', { params: { name: 'shop' } });
    expect(inst.body.instances.length).toBeGreaterThan(0);
  });

  it('deployments: the analysed canary, its events and analysis, a dry run, a deploy and its controls', async () => {
    const canary = await call(deployment.GET, 'GET', '/api/v1/deployments/{id}', { params: { id: ids.canary } });
    expect(canary.body.plan.analysis.webhooks).toEqual([{ url: 'http://127.0.0.1:1/hook', format: 'slack' }]);
    await call(events.GET, 'GET', '/api/v1/deployments/{id}/events', { params: { id: ids.canary } });
    const a = await call(analysis.GET, 'GET', '/api/v1/deployments/{id}/analysis', { params: { id: ids.canary } });
    expect(a.body.steps[0].series[0].points.length).toBeGreaterThan(0);
    await call(deployment.GET, 'GET', '/api/v1/deployments/{id}', { params: { id: ids.running } });
    const dry = await call(deployments.POST, 'POST', '/api/v1/services/{name}/deployments', { params: { name: 'shop' }, body: { version: '3.0.0', dryRun: true } });
    expect(dry.status).toBe(200);
    const made = await call(deployments.POST, 'POST', '/api/v1/services/{name}/deployments', { params: { name: 'ledger' }, body: { version: '0.1.0', strategy: 'recreate' } });
    expect(made.status).toBe(202);
    await call(action.POST, 'POST', '/api/v1/deployments/{id}/{action}', { params: { id: made.body.id, action: 'abort' }, body: { reason: 'not today' } });
  });

  it('lease break, rollbacks, releases', async () => {
    await call(leaseBreak.POST, 'POST', '/api/v1/services/{name}/lease/break', { params: { name: 'auth' }, body: { reason: 'stuck' } });
    expect(await claimDeployment(tdb.db, ids.running, 'worker-b', w.clock.now())).not.toBeNull();
    const inFlight = await call(rollback.POST, 'POST', '/api/v1/services/{name}/rollback', { params: { name: 'auth' }, body: { dryRun: true } });
    expect(inFlight.body.mode).toBe('abort-in-flight');
    const back = await call(rollback.POST, 'POST', '/api/v1/services/{name}/rollback', { params: { name: 'shop' }, body: {} });
    expect([back.status, back.body.mode, back.body.target]).toEqual([202, 'deployment', '1.0.0']);
    const r = await call(releases.POST, 'POST', '/api/v1/releases', { body: { items: [{ service: 'ledger', version: '0.1.0' }] } });
    ids.release = r.body.id;
    await call(release.GET, 'GET', '/api/v1/releases/{id}', { params: { id: ids.release } });
    await call(releases.GET, 'GET', '/api/v1/releases');
  });

  it('rollback windows, notifications, a whole release rolled back', async () => {
    await w.service({ name: 'rel', replicas: 1, hooks: { pre: [], post: [], preRollback: [{ name: 'page', type: 'command', command: 'true' }], postRollback: [] } }, [
      '1.0.0',
      { version: '2.0.0', config: { FEATURE: 'on' } },
    ]);
    const sub = await call(subscriptions.POST, 'POST', '/api/v1/notifications/subscriptions', { body: { name: 'ops', service: 'rel', url: 'https://hooks.example.com/services/T0/B0/SECRET', format: 'slack' } });
    expect(sub.body.target).toBe('https://hooks.example.com/…');
    await call(subscriptions.GET, 'GET', '/api/v1/notifications/subscriptions');
    const release = async (version: string) => {
      const r = await call(releases.POST, 'POST', '/api/v1/releases', { body: { items: [{ service: 'rel', version }] } });
      for (let i = 0; i < 10 && (await getRelease(tdb.db, r.body.id)).state === 'running'; i++) {
        await advanceReleases(w.ctx);
        const d = (await getRelease(tdb.db, r.body.id)).items[0]!.deployment;
        if (d && d.state === 'queued') await w.run((await claimDeployment(tdb.db, d.id, 'worker-r', w.clock.now()))!);
      }
      return r.body.id as string;
    };
    await release('1.0.0');
    const second = await release('2.0.0');
    const windows = await call(rollbackWindows.GET, 'GET', '/api/v1/rollback-windows');
    expect(windows.body.windows.some((x: { service: string }) => x.service === 'rel')).toBe(true);
    const dry = await call(releaseRollback.POST, 'POST', '/api/v1/releases/{id}/rollback', { params: { id: second }, body: { dryRun: true } });
    expect([dry.status, dry.body.items[0].preview.warm.version, dry.body.items[0].preview.undoes.config]).toEqual([200, '1.0.0', { added: [], removed: ['FEATURE'], changed: [] }]);
    const done = await call(releaseRollback.POST, 'POST', '/api/v1/releases/{id}/rollback', { params: { id: second }, body: {} });
    expect([done.status, done.body.release.kind]).toEqual([202, 'rollback']);
    const d = await tdb.db.deployment.findFirstOrThrow({ where: { service: { name: 'rel' } }, orderBy: { createdAt: 'desc' } });
    await call(deploymentNotifications.GET, 'GET', '/api/v1/deployments/{id}/notifications', { params: { id: d.id } });
    await call(subscription.DELETE, 'DELETE', '/api/v1/notifications/subscriptions/{id}', { params: { id: sub.body.id } });
  });

  it('overview and what changed', async () => {
    const o = await call(overview.GET, 'GET', '/api/v1/overview');
    expect(o.body.services.find((s: { name: string }) => s.name === 'shop').cells[0].activeDeployment).not.toBeNull();
    const c = await call(changes.GET, 'GET', '/api/v1/changes');
    expect(new Set(c.body.changes.map((x: { kind: string }) => x.kind))).toEqual(new Set(['deploy', 'rollback', 'version', 'service', 'config']));
    const i = await call(insights.GET, 'GET', '/api/v1/insights', { url: 'http://localhost/api/v1/insights?days=7' });
    expect(i.body.overall.deployments).toBeGreaterThan(0);
    expect(i.body.services.map((x: { service: string }) => x.service)).toContain('shop');
  });

  it('users, tokens, audit, who am I, sign-in and out, health, this document', async () => {
    await call(users.GET, 'GET', '/api/v1/users');
    ids.user = (await call(users.POST, 'POST', '/api/v1/users', { body: { email: 'bob@example.com', password: 'bob-password-123', role: 'deployer', serviceScope: ['shop'] } })).body.id;
    await call(user.PATCH, 'PATCH', '/api/v1/users/{id}', { params: { id: ids.user }, body: { name: 'Bob' } });
    await call(tokens.GET, 'GET', '/api/v1/tokens');
    ids.token = (await call(tokens.POST, 'POST', '/api/v1/tokens', { body: { name: 'ci', role: 'deployer', expiresInDays: 30 } })).body.id;
    await call(token.DELETE, 'DELETE', '/api/v1/tokens/{id}', { params: { id: ids.token } });
    await call(audit.GET, 'GET', '/api/v1/audit');
    await call(me.GET, 'GET', '/api/v1/auth/me');
    await createUser(tdb.db, { email: 'carol@example.com', password: 'carol-password-1', role: 'viewer' }, 'setup');
    const signedIn = await call(login.POST, 'POST', '/api/v1/auth/login', { body: { email: 'carol@example.com', password: 'carol-password-1' }, headers: {} });
    const cookie = signedIn.headers.get('set-cookie')!.split(';')[0]!;
    await call(logout.POST, 'POST', '/api/v1/auth/logout', { headers: { cookie, origin: 'http://localhost', host: 'localhost' } });
    await call(openapi.GET, 'GET', '/api/v1/openapi.json');
    const res = await health.GET();
    const body = await res.json();
    expect(documentedResponse('GET', '/api/health', res.status)!.safeParse(body).success, JSON.stringify(body)).toBe(true);
    answered.add(`GET /api/health ${res.status}`);
  });

  it('environments, freeze windows, promotion, approvals', async () => {
    await call(environments.GET, 'GET', '/api/v1/environments');
    await call(environmentRoute.PATCH, 'PATCH', '/api/v1/environments/{name}', { params: { name: 'production' }, body: { order: 20 } });
    await call(environments.POST, 'POST', '/api/v1/environments', { body: { name: 'staging', order: 10 } });
    await call(environmentRoute.GET, 'GET', '/api/v1/environments/{name}', { params: { name: 'production' } });
    const win = await call(freezeWindows.POST, 'POST', '/api/v1/freeze-windows', { body: { reason: 'holidays', cron: '0 0 24 12 *', durationMinutes: 1440, timeZone: 'Europe/Berlin' } });
    await call(freezeWindows.GET, 'GET', '/api/v1/freeze-windows');
    await call(freezeWindow.DELETE, 'DELETE', '/api/v1/freeze-windows/{id}', { params: { id: win.body.id } });
    await w.service({ name: 'promo', replicas: 1 }, ['1.0.0']);
    await w.deploy('promo', { version: '1.0.0', strategy: 'rolling', environment: 'staging' });
    const dry = await call(promote.POST, 'POST', '/api/v1/services/{name}/promote', { params: { name: 'promo' }, body: { to: 'production', dryRun: true } });
    expect(dry.status).toBe(200);
    await call(environmentRoute.PATCH, 'PATCH', '/api/v1/environments/{name}', { params: { name: 'production' }, body: { protected: true, requiredApprovals: 1 } });
    const p = await call(promote.POST, 'POST', '/api/v1/services/{name}/promote', { params: { name: 'promo' }, body: { version: '1.0.0' } });
    expect(p.body.deployment.state).toBe('awaiting_approval');
    const approver = await createTestToken(tdb.db, 'approver', { name: 'dana' });
    const inbox = await call(approvals.GET, 'GET', '/api/v1/approvals', { headers: { authorization: `Bearer ${approver}` } });
    expect(inbox.body.approvals[0].mayDecide).toBe(true);
    await call(reject.POST, 'POST', '/api/v1/deployments/{id}/reject', { params: { id: p.body.deployment.id }, body: { comment: 'no' }, headers: { authorization: `Bearer ${approver}` } });
    const again = await call(promote.POST, 'POST', '/api/v1/services/{name}/promote', { params: { name: 'promo' }, body: { to: 'production' } });
    await call(approve.POST, 'POST', '/api/v1/deployments/{id}/approve', { params: { id: again.body.deployment.id }, body: {}, headers: { authorization: `Bearer ${approver}` } });
  });

  it('fleet hosts (an agent not answering yet is registered as unreachable)', async () => {
    const made = await call(hosts.POST, 'POST', '/api/v1/hosts', { body: { name: 'web-1', address: 'http://127.0.0.1:1', token: 'the-agent-token-of-web-1', labels: { pool: 'web' }, capacity: 8 } });
    expect(made.body).toMatchObject({ name: 'web-1', pool: 'web', state: 'unreachable', tls: false });
    expect(JSON.stringify(made.body)).not.toContain('the-agent-token-of-web-1');
    await call(hostRoute.PATCH, 'PATCH', '/api/v1/hosts/{name}', { params: { name: 'web-1' }, body: { draining: true } });
    await call(hostRoute.GET, 'GET', '/api/v1/hosts/{name}', { params: { name: 'web-1' } });
    const list = await call(hosts.GET, 'GET', '/api/v1/hosts');
    expect(list.body.hosts.map((h: { name: string }) => h.name)).toEqual(['web-1']);
  });

  it('no documented answer went unchecked', () => {
    const documented = OPENAPI_OPERATIONS.flatMap((o) => o.statuses.map((s) => `${o.operation} ${s}`));
    expect(documented.filter((d) => !answered.has(d))).toEqual([]);
  });
});
