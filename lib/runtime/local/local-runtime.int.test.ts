/**
 * The local runtime on real processes: demo-service instances behind the real router,
 * deployed by the real orchestrator, under real concurrent loopback traffic.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import http from 'node:http';
import { createTestDatabase, type TestDatabase } from '../../testing/db';
import { RealWorld, load } from '../../testing/real-world';
import type { RoutingTable } from '../types';
import { recordCrashes } from '../../deploy/crash-watcher';

let tdb: TestDatabase;
let w: RealWorld;

beforeAll(async () => {
  tdb = await createTestDatabase();
  w = new RealWorld(tdb.db);
});
afterAll(async () => {
  await w.close();
  await tdb.drop();
});

describe('local runtime', () => {
  it('blue-green switch under real concurrent traffic: no blue response starts after the switch, no green one before it', async () => {
    await w.service({ name: 'order-processor', replicas: 2 }, [{ version: '1.0.0' }, { version: '2.0.0' }]);
    expect((await w.deploy('order-processor', { version: '1.0.0' })).state).toBe('succeeded');
    const url = await w.address('order-processor');

    // Time the routing swap itself from inside the runtime.
    let switchBegan = 0;
    let switchDone = 0;
    const setRoutes = w.runtime.setRoutes.bind(w.runtime);
    w.runtime.setRoutes = async (fence, table: RoutingTable) => {
      switchBegan = Date.now();
      await setRoutes(fence, table);
      switchDone = Date.now();
    };
    const traffic = load(url, { concurrency: 16, maxMs: 60_000 });
    const d = await w.deploy('order-processor', { version: '2.0.0', strategy: 'blue-green', params: { scaleDownDelaySeconds: 1 } });
    // Green keeps serving after the deployment ended.
    await expect.poll(() => traffic.samples.filter((s) => s.version === '2.0.0' && s.routedAt! > switchDone).length, { timeout: 10_000 }).toBeGreaterThan(20);
    const samples = await traffic.stop();
    w.runtime.setRoutes = setRoutes;

    expect(d.state).toBe('succeeded');
    expect(switchDone).toBeGreaterThan(0);
    expect(samples.length).toBeGreaterThan(200);
    expect(samples.filter((s) => s.status !== 200)).toEqual([]);
    // A request starts when the router receives it (its x-request-start stamp): the client's
    // send time also includes time spent in this busy process before the bytes left.
    expect(samples.every((s) => s.routedAt !== null && s.routedAt >= s.start - 1)).toBe(true);
    const blueAfter = samples.filter((s) => s.version === '1.0.0' && s.routedAt! > switchDone);
    const greenBefore = samples.filter((s) => s.version === '2.0.0' && s.routedAt! < switchBegan);
    expect(blueAfter).toEqual([]);
    expect(greenBefore).toEqual([]);
    // Both colours really served during the run.
    expect(samples.some((s) => s.version === '1.0.0')).toBe(true);
    expect(samples.some((s) => s.version === '2.0.0')).toBe(true);
  });

  it('honours the grace period with a real slow warm-up, and fails the same warm-up without one', async () => {
    const warm = { DEMO_WARMUP_SECONDS: '1.5' };
    await w.service({ name: 'analytics-pipeline', replicas: 1, health: { intervalSeconds: 0.2, gracePeriodSeconds: 3, unhealthyThreshold: 3 } }, [
      { version: '1.0.0' },
      { version: '1.1.0', config: warm },
    ]);
    await w.deploy('analytics-pipeline', { version: '1.0.0' });
    const ok = await w.deploy('analytics-pipeline', { version: '1.1.0', strategy: 'rolling' });
    expect(ok.state).toBe('succeeded');
    const events = await w.events(ok.id);
    expect(events.some((e) => e.type === 'instance_unhealthy')).toBe(false);
    const started = Date.parse(events.find((e) => e.type === 'instances_started')!.at);
    const ready = Date.parse(events.find((e) => e.type === 'instances_ready')!.at);
    expect(ready - started).toBeGreaterThanOrEqual(1_500);

    await w.service({ name: 'no-grace', replicas: 1, health: { intervalSeconds: 0.2, gracePeriodSeconds: 0, unhealthyThreshold: 3 } }, [
      { version: '1.0.0' },
      { version: '1.1.0', config: warm },
    ]);
    await w.deploy('no-grace', { version: '1.0.0' });
    const url = await w.address('no-grace');
    const traffic = load(url, { concurrency: 4, maxMs: 30_000 });
    const failed = await w.deploy('no-grace', { version: '1.1.0', strategy: 'rolling' });
    const samples = await traffic.stop();
    expect(failed.state).toBe('failed');
    expect((await w.events(failed.id)).find((e) => e.type === 'instance_unhealthy')!.message).toMatch(/3 consecutive/);
    expect(samples.filter((s) => s.status !== 200 || s.version !== '1.0.0')).toEqual([]);
  });

  it('crash-on-start and missing-config versions fail cleanly while the old version serves every request', async () => {
    await w.service({ name: 'payment-gateway', replicas: 2 }, [
      { version: '2.2.0' },
      { version: '2.3.0', config: { DEMO_CRASH_ON_START: '1' } },
      { version: '2.4.0', config: { DEMO_REQUIRED_ENV: 'PAYMENT_PROVIDER_URL,API_KEY', API_KEY: 'k' } },
    ]);
    await w.deploy('payment-gateway', { version: '2.2.0' });
    const url = await w.address('payment-gateway');
    for (const [version, why] of [
      ['2.3.0', /crashing on start/],
      ['2.4.0', /missing required env keys: PAYMENT_PROVIDER_URL/],
    ] as const) {
      for (const strategy of ['rolling', 'canary', 'blue-green']) {
        const traffic = load(url, { concurrency: 8, maxMs: 30_000 });
        const d = await w.deploy('payment-gateway', { version, strategy, force: true });
        const samples = await traffic.stop();
        expect(d.state, `${version} ${strategy}`).toBe('failed');
        const unhealthy = (await w.events(d.id)).find((e) => e.type === 'instance_unhealthy')!;
        expect(unhealthy.message).toMatch(why);
        expect(samples.length).toBeGreaterThan(20);
        expect(samples.filter((s) => s.status !== 200 || s.version !== '2.2.0'), `${version} ${strategy}`).toEqual([]);
      }
    }
    const running = (await w.runtime.list('payment-gateway')).filter((i) => i.state === 'running');
    expect(running.map((i) => i.semver)).toEqual(['2.2.0', '2.2.0']);
  });

  it('draining loses no in-flight request: a slow request started before removal completes', async () => {
    // No warm window: the old instance is stopped at once, which is what is tested here.
    await w.service({ name: 'inventory-service', replicas: 1, rollbackPolicy: { warmWindowMinutes: 0 } }, [{ version: '1.0.0' }, { version: '1.1.0' }]);
    await w.deploy('inventory-service', { version: '1.0.0' });
    const url = await w.address('inventory-service');
    const t0 = Date.now();
    const slow = new Promise<{ status: number; version: string; ms: number }>((resolve, reject) => {
      http
        .get(`${url}/slow?ms=2000`, (res) => {
          res.resume();
          res.on('end', () => resolve({ status: res.statusCode!, version: String(res.headers['x-flightdeck-version']), ms: Date.now() - t0 }));
        })
        .on('error', reject);
    });
    // The slow request has reached the v1.0.0 instance.
    const [old] = await w.runtime.list('inventory-service');
    const router = await w.runtime.router('inventory-service');
    await expect.poll(() => router.inFlight(old!.id), { timeout: 5_000 }).toBe(1);
    const d = await w.deploy('inventory-service', { version: '1.1.0', strategy: 'rolling' });
    expect(d.state).toBe('succeeded');
    const r = await slow;
    expect(r).toMatchObject({ status: 200, version: '1.0.0' });
    expect(r.ms).toBeGreaterThanOrEqual(2000);
    // The old instance was stopped only after its in-flight request finished (the request
    // started after t0 and ran at least 2000 ms; the 100 ms slack is clock granularity).
    const stoppedAt = Date.parse((await w.events(d.id)).find((e) => e.type === 'instances_stopped')!.at);
    expect(stoppedAt).toBeGreaterThanOrEqual(t0 + 1900);
  });

  it('detects a crashed instance and restarts it; a crash after its deployment ended goes on no timeline, and is logged', async () => {
    await w.service({ name: 'notification-service', replicas: 2 }, [{ version: '1.0.0' }]);
    const d = await w.deploy('notification-service', { version: '1.0.0' });
    const url = await w.address('notification-service');
    const victim = (await w.runtime.list('notification-service')).find((i) => i.slot === 0)!;
    const cursor = (await w.runtime.crashesAfter(0)).reduce((m, c) => Math.max(m, c.seq), 0);
    process.kill(victim.pid!, 'SIGKILL');
    await expect
      .poll(async () => (await w.runtime.list('notification-service')).find((i) => i.id === victim.id), { timeout: 15_000 })
      .toMatchObject({ state: 'running', restarts: 1 });
    const restarted = (await w.runtime.list('notification-service')).find((i) => i.id === victim.id)!;
    expect(restarted.pid).not.toBe(victim.pid);
    await expect.poll(async () => (await w.runtime.probe(victim.id, '/healthz', 500)), { timeout: 10_000 }).toBe(true);
    const eventsBefore = (await w.events(d.id)).length;
    const logged: string[] = [];
    expect(await recordCrashes(tdb.db, w.runtime, cursor, (m) => logged.push(m))).toBeGreaterThan(cursor);
    // Its deployment had succeeded: nothing is appended after a terminal event.
    expect((await w.events(d.id)).length).toBe(eventsBefore);
    expect(logged).toEqual([expect.stringMatching(new RegExp(`instance ${victim.id} exited on its own \\(killed by SIGKILL\\); on no timeline: its deployment ${d.id} had ended \\(succeeded\\)`))]);
    // And the service keeps answering.
    const traffic = load(url, { concurrency: 4, maxRequests: 100 });
    await expect.poll(() => traffic.samples.length, { timeout: 10_000 }).toBeGreaterThanOrEqual(100);
    const samples = await traffic.stop();
    expect(samples.filter((s) => s.status !== 200)).toEqual([]);
  });
});
