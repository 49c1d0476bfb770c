/**
 * Durable notifications: subscriptions per service and global, enqueued in the transaction of
 * the event they tell about, delivered by a worker tick as JSON, Slack-compatible or templated
 * bodies, retried with backoff — and still delivered after the control plane restarts — with
 * every attempt logged and no secret ever shown back. Injected clock, no sleeps.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../testing/db';
import { ACTOR, World } from '../testing/fixtures';
import { createDb } from '../db/client';
import { appendEvents } from '../events/append';
import { createDeployment } from '../services/create-deployment';
import { createFreezeWindow } from '../services/freeze-windows';
import { breakLease } from '../services/lease-break';
import { createSubscription, deleteSubscription, listDeploymentNotifications, listSubscriptions } from '../services/notifications';
import { BACKOFF_SECONDS, NotificationDeliverer } from './deliver';

let tdb: TestDatabase;
let server: http.Server;
let base = '';
/** What the receiver got, and how many of the next requests per path it answers with a 503. */
const received: Array<{ path: string; body: string; headers: http.IncomingHttpHeaders }> = [];
const failNext = new Map<string, number>();

beforeAll(async () => {
  tdb = await createTestDatabase();
  server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const path = (req.url ?? '').split('?')[0]!;
      const fails = failNext.get(path) ?? 0;
      if (fails > 0) {
        failNext.set(path, fails - 1);
        res.writeHead(503).end('busy');
        return;
      }
      received.push({ path, body, headers: req.headers });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterEach(async () => {
  // Each test states its own subscriptions and looks at its own deliveries.
  await tdb.db.notificationSubscription.deleteMany();
  await tdb.db.notificationOutbox.deleteMany();
});
afterAll(async () => {
  server.close();
  await tdb.drop();
});

const to = (path: string) => received.filter((r) => r.path === path);

describe('notifications', () => {
  it('per service and global subscriptions get the outcomes they asked for, in JSON, Slack and templated bodies; the URL’s secret is never shown back', async () => {
    const w = new World(tdb.db);
    await w.service({ name: 'notify-a', replicas: 1 }, ['1.0.0', { version: '2.0.0', config: { DEMO_CRASH_ON_START: '1' } }]);
    await w.service({ name: 'notify-b', replicas: 1 }, ['1.0.0']);
    const json = await createSubscription(w.db, { name: 'all of a', service: 'notify-a', url: `${base}/a-json?token=s3cr3t` }, 'admin@x');
    await createSubscription(w.db, { name: 'slack', url: `${base}/slack/T000/B000/XXXXSECRET`, format: 'slack', events: ['failed', 'rolled_back'] }, 'admin@x');
    await createSubscription(w.db, { name: 'pager', url: `${base}/pager`, format: 'template', events: ['failed'], template: '{"title":"{{service}} {{event}}","why":"{{reason}}","step":"{{details.reason}}"}' }, 'admin@x');
    await createSubscription(w.db, { name: 'staging only', environment: 'production', events: ['paused'], url: `${base}/paused` }, 'admin@x');
    expect(json.target).toBe('http://127.0.0.1:' + base.split(':').at(-1) + '/…');
    const listed = JSON.stringify(await listSubscriptions(w.db));
    expect(listed).not.toMatch(/s3cr3t|XXXXSECRET|T000/);

    await w.deploy('notify-a', { version: '1.0.0' });
    await w.deploy('notify-b', { version: '1.0.0' });
    const failed = await w.deploy('notify-a', { version: '2.0.0' });
    expect(failed.state).toBe('failed');
    // Enqueued with the event: nothing for the successes, three targets for the failure.
    const rows = await w.db.notificationOutbox.findMany({ where: { deploymentId: failed.id }, orderBy: { id: 'asc' } });
    expect(rows.map((r) => [r.kind, r.format])).toEqual([
      ['failed', 'json'],
      ['failed', 'slack'],
      ['failed', 'template'],
    ]);
    expect(await w.db.notificationOutbox.count()).toBe(3);

    const deliverer = new NotificationDeliverer({ db: w.db, clock: w.clock });
    expect(await deliverer.tick()).toBe(3);
    const body = JSON.parse(to('/a-json')[0]!.body) as Record<string, unknown>;
    expect(body).toMatchObject({ event: 'failed', service: 'notify-a', environment: 'production', version: '2.0.0', from: '1.0.0', deploymentId: failed.id, deploymentKind: 'deploy' });
    expect(body.summary).toMatch(/^notify-a in production: Failed: /);
    expect(to('/a-json')[0]!.headers['idempotency-key']).toBe(`flightdeck-notification-${rows[0]!.id}`);
    const slack = JSON.parse(to('/slack/T000/B000/XXXXSECRET')[0]!.body) as { text: string; blocks: unknown[] };
    expect(slack.text).toMatch(/^:x: notify-a in production: Failed: /);
    expect(slack.blocks).toHaveLength(2);
    const pager = JSON.parse(to('/pager')[0]!.body) as Record<string, string>;
    expect(pager.title).toBe('notify-a failed');
    expect(pager.why).toBe(failed.reason);
    // Each delivery is on the timeline, and on the deployment's page with its attempts — redacted.
    // Delivered concurrently: the order of the three is the order they answered.
    const events = (await w.events(failed.id)).filter((e) => e.type === 'notification_delivered');
    expect(events.map((e) => e.message).sort()).toEqual([
      `Notified json target ${base}/… (failed)`,
      `Notified slack target ${base}/… (failed)`,
      `Notified template target ${base}/… (failed)`,
    ]);
    const page = await listDeploymentNotifications(w.db, failed.id);
    expect(page.notifications.map((n) => [n.subscription, n.status, n.tries.length])).toEqual([
      ['all of a', 'delivered', 1],
      ['slack', 'delivered', 1],
      ['pager', 'delivered', 1],
    ]);
    expect(JSON.stringify(page)).not.toMatch(/s3cr3t|XXXXSECRET/);
    await deleteSubscription(w.db, json.id);
  });

  it('is written in the same transaction as its event: a transaction that rolls back leaves no notification', async () => {
    const w = new World(tdb.db);
    await w.service({ name: 'notify-tx', replicas: 1 }, ['1.0.0']);
    await createSubscription(w.db, { name: 'tx', service: 'notify-tx', url: `${base}/tx` }, 'admin@x');
    const d = await w.deploy('notify-tx', { version: '1.0.0' });
    const before = await w.db.notificationOutbox.count();
    await expect(
      w.db.$transaction(async (tx) => {
        await appendEvents(tx, d.id, [{ type: 'deployment_failed', message: 'pretend', data: {} }], ACTOR, new Date(w.clock.now()));
        expect(await tx.notificationOutbox.count()).toBe(before + 1);
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    expect(await w.db.notificationOutbox.count()).toBe(before);
  });

  it('retries with backoff and survives a control-plane restart: nothing lives in memory; a process that died mid-delivery leaves it to the next', async () => {
    const w = new World(tdb.db);
    await w.service({ name: 'notify-retry', replicas: 1 }, ['1.0.0', { version: '2.0.0', config: { DEMO_CRASH_ON_START: '1' } }]);
    await createSubscription(w.db, { name: 'flaky', service: 'notify-retry', events: ['failed'], url: `${base}/flaky?key=hidden` }, 'admin@x');
    await w.deploy('notify-retry', { version: '1.0.0' });
    const failed = await w.deploy('notify-retry', { version: '2.0.0' });
    failNext.set('/flaky', 2);

    const first = new NotificationDeliverer({ db: w.db, clock: w.clock });
    expect(await first.tick()).toBe(1);
    let [n] = (await listDeploymentNotifications(w.db, failed.id)).notifications;
    expect(n).toMatchObject({ status: 'pending', attempts: 1, lastError: 'HTTP 503', nextAttemptAt: new Date(w.clock.now() + BACKOFF_SECONDS[0]! * 1000).toISOString() });

    // The control plane restarts: a new process, a new database client, a new deliverer.
    const db2 = createDb(tdb.url);
    try {
      const second = new NotificationDeliverer({ db: db2, clock: w.clock });
      expect(await second.tick()).toBe(0); // not due yet: the backoff holds
      w.clock.advance(BACKOFF_SECONDS[0]! * 1000);
      expect(await second.tick()).toBe(1);
      [n] = (await listDeploymentNotifications(db2, failed.id)).notifications;
      expect(n).toMatchObject({ status: 'pending', attempts: 2, nextAttemptAt: new Date(w.clock.now() + BACKOFF_SECONDS[1]! * 1000).toISOString() });

      // A process claims it and dies before recording anything: its lock keeps others off until it lapses.
      w.clock.advance(BACKOFF_SECONDS[1]! * 1000);
      await db2.notificationOutbox.updateMany({ where: { deploymentId: failed.id }, data: { lockedUntil: new Date(w.clock.now() + 30_000) } });
      expect(await second.tick()).toBe(0);
      w.clock.advance(30_000);
      expect(await second.tick()).toBe(1);
      [n] = (await listDeploymentNotifications(db2, failed.id)).notifications;
      expect(n!.status).toBe('delivered');
      expect(n!.tries.map((t) => [t.attempt, t.ok, t.status])).toEqual([
        [1, false, 503],
        [2, false, 503],
        [3, true, 204],
      ]);
      expect(to('/flaky')).toHaveLength(1);
      const done = (await w.events(failed.id)).find((e) => e.type === 'notification_delivered')!;
      expect(done.message).toBe(`Notified json target ${base}/… (failed) after 3 attempts`);
      expect(JSON.stringify(n)).not.toContain('hidden');
    } finally {
      await db2.$disconnect();
    }
  });

  it('gives up after its attempts, says so on the timeline; a dead target’s error names no secret', async () => {
    const w = new World(tdb.db);
    await w.service({ name: 'notify-dead', replicas: 1 }, ['1.0.0', { version: '2.0.0', config: { DEMO_CRASH_ON_START: '1' } }]);
    // A port nobody listens on any more.
    const gone = http.createServer();
    await new Promise<void>((r) => gone.listen(0, '127.0.0.1', r));
    const port = (gone.address() as AddressInfo).port;
    await new Promise((r) => gone.close(r));
    await createSubscription(w.db, { name: 'dead', service: 'notify-dead', events: ['failed'], url: `http://127.0.0.1:${port}/hook/s3cr3t` }, 'admin@x');
    await w.deploy('notify-dead', { version: '1.0.0' });
    const failed = await w.deploy('notify-dead', { version: '2.0.0' });
    await w.db.notificationOutbox.updateMany({ where: { deploymentId: failed.id }, data: { maxAttempts: 2 } });
    const deliverer = new NotificationDeliverer({ db: w.db, clock: w.clock });
    await deliverer.tick();
    w.clock.advance(BACKOFF_SECONDS[0]! * 1000);
    await deliverer.tick();
    const [n] = (await listDeploymentNotifications(w.db, failed.id)).notifications;
    expect(n).toMatchObject({ status: 'failed', attempts: 2, nextAttemptAt: null });
    expect(n!.lastError).toMatch(/ECONNREFUSED/);
    expect(JSON.stringify(n)).not.toContain('s3cr3t');
    expect((await w.events(failed.id)).find((e) => e.type === 'notification_failed')!.message).toMatch(new RegExp(`^Gave up notifying json target http://127\\.0\\.0\\.1:${port}/… \\(failed\\) after 2 attempts: .*ECONNREFUSED`));
  });

  it('every outcome: paused for approval, a gate refusing a deployment, a broken lease, a failed canary analysis (to the analysis config’s webhooks too)', async () => {
    const w = new World(tdb.db);
    await w.service(
      { name: 'notify-all', replicas: 2, analysis: { webhooks: [{ url: `${base}/canary-json` }, { url: `${base}/canary-slack`, format: 'slack' }] } },
      ['1.0.0', '1.1.0', { version: '2.0.0', config: { DEMO_ERROR_RATE: '0.3' } }],
    );
    await createSubscription(w.db, { name: 'everything', service: 'notify-all', url: `${base}/all` }, 'admin@x');
    w.runtime.setLoad('notify-all', 50);
    await w.deploy('notify-all', { version: '1.0.0' });

    // A canary the analysis aborts: the subscription hears "failed", the config's webhooks the analysis.
    const canary = await w.deploy('notify-all', { version: '2.0.0', strategy: 'canary', params: { steps: [50], windowSeconds: 60, minSamples: 20 } });
    expect(canary.state).toBe('failed');
    const kinds = (await w.db.notificationOutbox.findMany({ where: { deploymentId: canary.id }, orderBy: { id: 'asc' } })).map((r) => [r.kind, r.format]);
    expect(kinds).toEqual([
      ['canary_analysis_failed', 'json'],
      ['canary_analysis_failed', 'slack'],
      ['failed', 'json'],
    ]);

    // A gate refuses: no deployment to hang it on, told all the same.
    await createFreezeWindow(w.db, { reason: 'black friday', startsAt: new Date(w.clock.now() - 60_000).toISOString(), endsAt: new Date(w.clock.now() + 3_600_000).toISOString(), services: ['notify-all'] }, 'admin@x', w.clock.now());
    await expect(createDeployment(w.ctx, 'notify-all', { version: '1.1.0' }, 'dev@x')).rejects.toThrow(/freeze gate/);
    const refused = await w.db.notificationOutbox.findFirstOrThrow({ where: { kind: 'gate_refused' } });
    expect(refused.deploymentId).toBeNull();
    expect(refused.payload).toMatchObject({ service: 'notify-all', version: '1.1.0', actor: 'dev@x' });

    // Paused (for approval) and a broken lease.
    await w.db.environment.update({ where: { name: 'production' }, data: { protected: true, requiredApprovals: 1 } });
    const waiting = await createDeployment(w.ctx, 'notify-all', { version: '1.1.0', override: { reason: 'hotfix' } }, 'admin@x');
    await w.db.environment.update({ where: { name: 'production' }, data: { protected: false, requiredApprovals: 0 } });
    const waitingId = waiting.dryRun ? '' : waiting.deployment.id;
    expect((await w.db.notificationOutbox.findMany({ where: { deploymentId: waitingId } })).map((r) => r.kind)).toEqual(['paused']);
    await w.db.deployment.update({ where: { id: waitingId }, data: { state: 'aborted', activeFor: null } });
    const held = await w.start('notify-all', { version: '1.1.0', override: { reason: 'hotfix' } });
    await breakLease(w.ctx, 'notify-all', { reason: 'stuck' }, 'admin@x');
    expect((await w.db.notificationOutbox.findMany({ where: { deploymentId: held.id } })).map((r) => r.kind)).toEqual(['lease_broken']);

    const deliverer = new NotificationDeliverer({ db: w.db, clock: w.clock });
    while ((await deliverer.tick()) > 0);
    const analysis = JSON.parse(to('/canary-json')[0]!.body) as Record<string, unknown>;
    expect(analysis).toMatchObject({ event: 'canary_analysis_failed', deploymentId: canary.id, service: 'notify-all', version: '2.0.0', baselineVersion: '1.0.0', metric: 'error-rate' });
    expect(JSON.parse(to('/canary-slack')[0]!.body).text).toMatch(/Canary of notify-all v2\.0\.0 failed analysis and was rolled back to v1\.0\.0: error-rate/);
    expect(to('/all').map((r) => (JSON.parse(r.body) as { event: string }).event).sort()).toEqual(['failed', 'gate_refused', 'lease_broken', 'paused']);
  });
});
