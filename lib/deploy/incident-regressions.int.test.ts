/**
 * The nine deployment-pipeline regressions (one test each, named as in the incident report's
 * failing-test list), through the real orchestrator, the real service layer and a real
 * PostgreSQL, with the FakeRuntime and a ManualClock standing in for processes and time.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import { io as connect, type Socket as ClientSocket } from 'socket.io-client';
import { createTestDatabase, type TestDatabase } from '../testing/db';
import { expectAppError } from '../testing/app-error';
import { ACTOR, World } from '../testing/fixtures';
import { claimDeployment, readLease, type LeaseHandle } from '../state/leases';
import { getDeployment, listDeploymentEvents } from '../services/deployments';
import { createDeployment } from '../services/create-deployment';
import { rollbackService } from '../services/rollback';
import { advanceReleases, createRelease, getRelease } from '../services/releases';
import { updateService } from '../services/services';
import { getService } from '../services/service-reads';
import { PgBus } from '../events/bus';
import { EVENTS_CHANNEL, type StoredEvent } from '../events/append';
import { attachRealtime } from '../realtime/server';
import { slotsInRotation, type FakeAction } from '../runtime/fake';

let tdb: TestDatabase;
beforeAll(async () => {
  tdb = await createTestDatabase();
});
afterAll(async () => {
  await tdb.drop();
});


const starts = (log: FakeAction[], versionId: string) =>
  log.filter((a): a is Extract<FakeAction, { kind: 'start' }> => a.kind === 'start' && a.versionId === versionId);
const stops = (log: FakeAction[], versionId: string) =>
  log.filter((a): a is Extract<FakeAction, { kind: 'stop' }> => a.kind === 'stop' && a.versionId === versionId);

async function versionId(w: World, service: string, semver: string) {
  const s = await getService(w.db, service);
  return s.versions.find((v) => v.version === semver)!.id;
}

describe('TestDeploymentPipeline', () => {
  it('test_rolling_update_batch_count', async () => {
    const w = new World(tdb.db);
    // The warm rollback window off: this regression is about each old instance stopping in its batch.
    await w.service({ name: 'inventory-service', replicas: 3, rollbackPolicy: { warmWindowMinutes: 0 } }, ['1.0.0', '1.1.0']);
    await w.deploy('inventory-service', { version: '1.0.0', strategy: 'rolling' });
    const before = w.runtime.log.length;

    const d = await w.deploy('inventory-service', { version: '1.1.0', strategy: 'rolling', params: { batchSize: 1 } });
    expect(d.state).toBe('succeeded');
    expect(d.plan.batches).toEqual([[0], [1], [2]]);

    const v11 = await versionId(w, 'inventory-service', '1.1.0');
    const v10 = await versionId(w, 'inventory-service', '1.0.0');
    const log = w.runtime.log.slice(before);
    // Exactly one new instance per slot, in batch order, none outside 0..replicas-1.
    expect(starts(log, v11).map((a) => a.slot)).toEqual([0, 1, 2]);
    expect(stops(log, v10).map((a) => a.slot)).toEqual([0, 1, 2]);
    // Batch k's old instance stops only after batch k's new one started.
    for (const slot of [0, 1, 2]) {
      expect(log.find((a) => a.kind === 'stop' && a.slot === slot)!.seq).toBeGreaterThan(
        log.find((a) => a.kind === 'start' && a.slot === slot)!.seq,
      );
    }
    const running = await w.runtime.list('inventory-service');
    expect(running.map((i) => [i.versionId, i.slot]).sort()).toEqual([[v11, 0], [v11, 1], [v11, 2]].sort());
    const events = await w.events(d.id);
    expect(events.filter((e) => e.type === 'instances_started')).toHaveLength(3);

    // Kubernetes surge/unavailable: 4 replicas, maxSurge 25% (rounds up → 1), maxUnavailable 0:
    // never more than 5 instances alive, never fewer than 4 in rotation once serving.
    await w.service({ name: 'surge-service', replicas: 4, rollbackPolicy: { warmWindowMinutes: 0 } }, ['1.0.0', '2.0.0']);
    await w.deploy('surge-service', { version: '1.0.0' });
    const mark = w.runtime.log.length;
    const s = await w.deploy('surge-service', { version: '2.0.0', strategy: 'rolling', params: { maxSurge: '25%', maxUnavailable: 0 } });
    expect(s.state).toBe('succeeded');
    expect(s.plan.batches).toEqual([[0], [1], [2], [3]]);
    let alive = 4; // the 1.0.0 set, before the deployment
    const live = new Map<string, { versionId: string; slot: number }>();
    for (const a of w.runtime.log.slice(0, mark)) {
      if (a.kind === 'start') live.set(a.instanceId, a);
      if (a.kind === 'stop') live.delete(a.instanceId);
    }
    let peak = alive;
    for (const a of w.runtime.log.slice(mark)) {
      if (a.kind === 'start') {
        alive++;
        live.set(a.instanceId, a);
      }
      if (a.kind === 'stop') {
        alive--;
        live.delete(a.instanceId);
      }
      if (a.kind === 'route' && a.table.service === 'surge-service') {
        expect(slotsInRotation(a.table, [...live.values()]).length).toBeGreaterThanOrEqual(4);
      }
      peak = Math.max(peak, alive);
    }
    expect(peak).toBe(5);
    await expectAppError(
      createDeployment(w.ctx, 'surge-service', { version: '1.0.0', params: { maxSurge: 0, maxUnavailable: 0 } }, ACTOR),
      'invalid',
      /maxSurge and maxUnavailable cannot both be 0/,
    );
  });

  it('test_blue_green_atomic_switch', async () => {
    const w = new World(tdb.db);
    // The warm rollback window off: blue stops once its scale-down delay is over.
    await w.service({ name: 'order-processor', replicas: 3, rollbackPolicy: { warmWindowMinutes: 0 } }, ['1.0.0', '2.0.0']);
    await w.deploy('order-processor', { version: '1.0.0' });
    const blue = await versionId(w, 'order-processor', '1.0.0');
    const green = await versionId(w, 'order-processor', '2.0.0');
    const t0 = w.clock.now();
    const mark = w.runtime.log.length;
    const d = await w.deploy('order-processor', { version: '2.0.0', strategy: 'blue-green', params: { scaleDownDelaySeconds: 30 } });
    expect(d.state).toBe('succeeded');

    // Exactly one routing change for the switch, and no table ever holds both colours.
    const history = w.runtime.log.slice(mark).filter((a): a is Extract<FakeAction, { kind: 'route' }> => a.kind === 'route');
    expect(history).toHaveLength(1);
    for (const h of w.runtime.routeHistory('order-processor')) {
      const versions = new Set(h.table.versions.filter((v) => v.weight > 0).map((v) => v.versionId));
      expect(versions.size).toBe(1);
    }
    const switchAt = history[0]!.at;
    // Every request that starts before the switch reaches blue, every one after reaches green.
    for (let t = t0; t <= w.clock.now(); t += 250) {
      for (const pick of [0, 0.34, 0.67, 0.99]) {
        expect(w.runtime.versionFor('order-processor', t, pick)).toBe(t < switchAt ? blue : green);
      }
    }
    // Green was fully started before the switch; blue kept for the scale-down delay, then stopped.
    const log = w.runtime.log.slice(mark);
    const switchSeq = log.find((a) => a.kind === 'route')!.seq;
    expect(starts(log, green).every((a) => a.seq < switchSeq)).toBe(true);
    const blueStops = stops(log, blue);
    expect(blueStops).toHaveLength(3);
    expect(blueStops.every((a) => a.seq > switchSeq && a.at >= switchAt + 30_000)).toBe(true);
    const shifted = (await w.events(d.id)).filter((e) => e.type === 'traffic_shifted');
    expect(shifted.map((e) => e.message)).toEqual(['All traffic to v2.0.0']);
  });

  it('test_canary_evaluation_window', async () => {
    const w = new World(tdb.db);
    await w.service({ name: 'payment-gateway', replicas: 4 }, [
      '2.2.0',
      '2.3.0',
      { version: '2.3.1', config: { DEMO_ERROR_RATE: '0.2' } },
      '2.4.0',
    ]);
    await w.deploy('payment-gateway', { version: '2.2.0' });
    w.runtime.setLoad('payment-gateway', 100);

    // Healthy canary: each step promoted only once its full 300 s window elapsed.
    const t0 = w.clock.now();
    const ok = await w.deploy('payment-gateway', { version: '2.3.0', strategy: 'canary', params: { steps: [10, 50], minSamples: 100 } });
    expect(ok.state).toBe('succeeded');
    const events = await w.events(ok.id);
    const started = events.filter((e) => e.type === 'analysis_started');
    const passed = events.filter((e) => e.type === 'analysis_passed');
    expect(started).toHaveLength(2);
    expect(passed).toHaveLength(2);
    passed.forEach((p, i) => {
      expect(Date.parse(p.at) - Date.parse(started[i]!.at)).toBeGreaterThanOrEqual(300_000);
      expect(p.data.elapsedSeconds).toBeGreaterThanOrEqual(300);
    });
    expect(w.clock.now() - t0).toBeGreaterThanOrEqual(600_000);

    // A harmful canary (20 % errors) is aborted early, before its window ends.
    const bad = await w.deploy('payment-gateway', { version: '2.3.1', strategy: 'canary', params: { steps: [10, 50] } });
    expect(bad.state).toBe('failed');
    const badEvents = await w.events(bad.id);
    const failed = badEvents.find((e) => e.type === 'analysis_failed')!;
    expect(failed.data.elapsedSeconds).toBeLessThan(300);
    expect(failed.message).toMatch(/error rate/);
    expect(badEvents.some((e) => e.type === 'analysis_passed')).toBe(false);
    const routes = await w.runtime.getRoutes('payment-gateway');
    const v230 = await versionId(w, 'payment-gateway', '2.3.0');
    expect(new Set(routes!.versions.filter((v) => v.weight > 0).map((v) => v.versionId))).toEqual(new Set([v230]));
    expect((await getService(w.db, 'payment-gateway')).versions.find((v) => v.version === '2.3.1')!.bad).toBe(true);

    // Too little traffic: at the deadline the step is inconclusive and pauses — never promotes.
    w.runtime.setLoad('payment-gateway', 0.1);
    const { id, lease } = await w.start('payment-gateway', { version: '2.4.0', strategy: 'canary', params: { steps: [25], minSamples: 100 } });
    await w.run(lease, { until: async () => (await getDeployment(w.db, id)).state === 'paused' });
    const slow = await getDeployment(w.db, id);
    expect(slow.state).toBe('paused');
    const slowEvents = await w.events(id);
    expect(slowEvents.some((e) => e.type === 'analysis_inconclusive')).toBe(true);
    expect(slowEvents.some((e) => e.type === 'analysis_passed' || e.type === 'deployment_completed')).toBe(false);
  });

  it('test_rollback_to_previous_version', async () => {
    const w = new World(tdb.db);
    await w.service({ name: 'pg-rollback', replicas: 2 }, ['2.1.0', '2.2.0', '2.3.0']);
    for (const v of ['2.1.0', '2.2.0', '2.3.0']) expect((await w.deploy('pg-rollback', { version: v })).state).toBe('succeeded');

    const preview = await rollbackService(w.ctx, 'pg-rollback', { dryRun: true }, ACTOR);
    expect(preview.target).toBe('2.2.0');
    expect(preview.deployment).toBeNull();

    const r = await rollbackService(w.ctx, 'pg-rollback', {}, ACTOR);
    expect(r.target).toBe('2.2.0');
    expect(r.deployment!.kind).toBe('rollback');
    const lease = await claimDeployment(w.db, r.deploymentId!, 'worker-a', w.clock.now());
    await w.run(lease!);
    let svc = await getService(w.db, 'pg-rollback');
    expect(svc.liveVersion).toBe('2.2.0');
    expect(svc.versions.find((v) => v.version === '2.3.0')!.bad).toBe(true);

    // The next rollback skips the bad v2.3.0 and the current v2.2.0: back to v2.1.0.
    const again = await rollbackService(w.ctx, 'pg-rollback', {}, ACTOR);
    expect(again.target).toBe('2.1.0');
    expect(again.skipped.map((s) => s.semver)).toContain('2.3.0');
    await w.run((await claimDeployment(w.db, again.deploymentId!, 'worker-a', w.clock.now()))!);
    svc = await getService(w.db, 'pg-rollback');
    expect(svc.liveVersion).toBe('2.1.0');
    await expectAppError(rollbackService(w.ctx, 'pg-rollback', { toVersion: '2.3.0' }, ACTOR), 'invalid', /2\.3\.0.*bad/);
  });

  it('test_deployment_lock_duration', async () => {
    const w = new World(tdb.db);
    await w.service({ name: 'notification-service', replicas: 2 }, ['1.0.0', '1.1.0', '1.2.0']);
    await w.deploy('notification-service', { version: '1.0.0' });
    w.runtime.setLoad('notification-service', 50);

    // A deployment longer than the TTL (two 300 s windows) keeps its lease by heartbeat.
    const { id, lease } = await w.start('notification-service', { version: '1.1.0', strategy: 'canary', params: { steps: [20, 60], minSamples: 10 } });
    const row = await readLease(w.db, lease.serviceId, (await w.db.deployment.findUniqueOrThrow({ where: { id } })).environmentId);
    expect(row!.owner).toBe('worker-a');
    expect(Date.parse(row!.expiresAt) - w.clock.now()).toBe(300_000); // default TTL 300 s
    let stealAttempts = 0;
    const conflict = await expectAppError(
      createDeployment(w.ctx, 'notification-service', { version: '1.2.0' }, ACTOR),
      'conflict',
      new RegExp(`locked by deployment ${id} \\(worker worker-a\\) until`),
    );
    expect(conflict.details).toMatchObject({ holder: id });
    await w.run(lease, {
      onWait: async () => {
        stealAttempts++;
        expect(await claimDeployment(w.db, id, 'worker-b', w.clock.now())).toBeNull();
      },
    });
    const done = await getDeployment(w.db, id);
    expect(done.state).toBe('succeeded');
    expect(Date.parse(done.finishedAt!) - Date.parse(done.startedAt!)).toBeGreaterThan(300_000);
    expect(stealAttempts).toBeGreaterThan(10);

    // Worker A dies mid-deployment: B takes over only after the TTL ran out unrenewed.
    const second = await w.start('notification-service', { version: '1.2.0', strategy: 'canary', params: { steps: [50], minSamples: 10 } });
    for (let i = 0; i < 4; i++) await w.orchestrator.advance(second.lease);
    w.clock.advance(299_000);
    expect(await claimDeployment(w.db, second.id, 'worker-b', w.clock.now())).toBeNull();
    w.clock.advance(2_000);
    const takeover = await claimDeployment(w.db, second.id, 'worker-b', w.clock.now());
    expect(takeover!.token).toBe(second.lease.token + 1);
    // A wakes up: its stale token's writes are rejected and change nothing.
    const seqBefore = (await getDeployment(w.db, second.id)).lastSeq;
    expect((await w.orchestrator.advance(second.lease)).status).toBe('lost');
    expect((await getDeployment(w.db, second.id)).lastSeq).toBe(seqBefore);
    await w.run(takeover!);
    // The runtime, too, refuses the old token once the new holder has used its own.
    await expect(
      w.runtime.setRoutes({ service: 'notification-service', token: second.lease.token }, { service: 'notification-service', versions: [] }),
    ).rejects.toThrow(/stale/);
    expect((await getDeployment(w.db, second.id)).state).toBe('succeeded');
    const seqs = (await w.events(second.id)).map((e) => e.seq);
    expect(seqs).toEqual(seqs.map((_, i) => i + 1));
  });

  it('test_health_check_grace_period', async () => {
    const w = new World(tdb.db);
    const warm = { DEMO_WARMUP_SECONDS: '45' };
    await w.service({ name: 'analytics-pipeline', replicas: 2, health: { gracePeriodSeconds: 60, intervalSeconds: 5, unhealthyThreshold: 3 } }, [
      '1.0.0',
      { version: '1.1.0', config: warm },
      { version: '1.2.0', config: { DEMO_WARMUP_SECONDS: '100000' } },
    ]);
    await w.deploy('analytics-pipeline', { version: '1.0.0' });

    // 45 s warm-up inside a 60 s grace period: probe failures don't count; it deploys fine.
    const d = await w.deploy('analytics-pipeline', { version: '1.1.0', strategy: 'blue-green', params: { scaleDownDelaySeconds: 0 } });
    expect(d.state).toBe('succeeded');
    const events = await w.events(d.id);
    expect(events.some((e) => e.type === 'instance_unhealthy')).toBe(false);
    const startedAt = Date.parse(events.find((e) => e.type === 'instances_started')!.at);
    const readyAt = Date.parse(events.find((e) => e.type === 'instances_ready')!.at);
    expect(readyAt - startedAt).toBeGreaterThanOrEqual(45_000);
    expect(readyAt - startedAt).toBeLessThan(60_000);

    // After the grace period the unhealthy threshold applies: a never-ready version fails,
    // and not before 60 s + 3 failed probes.
    const never = await w.deploy('analytics-pipeline', { version: '1.2.0', strategy: 'blue-green' });
    expect(never.state).toBe('failed');
    const ne = await w.events(never.id);
    const t0 = Date.parse(ne.find((e) => e.type === 'instances_started')!.at);
    const unhealthy = ne.find((e) => e.type === 'instance_unhealthy')!;
    expect(Date.parse(unhealthy.at) - t0).toBeGreaterThanOrEqual(60_000 + 2 * 5_000);
    expect(unhealthy.message).toMatch(/3 consecutive/);
    expect((await getService(w.db, 'analytics-pipeline')).liveVersion).toBe('1.1.0');

    // Without a grace period the same 45 s warm-up fails its health check.
    await w.service({ name: 'no-grace', replicas: 1, health: { gracePeriodSeconds: 0, intervalSeconds: 5, unhealthyThreshold: 3 } }, [
      { version: '1.0.0', config: warm },
    ]);
    expect((await w.deploy('no-grace', { version: '1.0.0' })).state).toBe('failed');
  });

  it('test_deployment_dependency_order', async () => {
    const w = new World(tdb.db);
    const v1 = [{ version: '1.0.0', config: { DEMO_WARMUP_SECONDS: '20' } }];
    await w.service({ name: 'auth-service' }, v1);
    await w.service({ name: 'api-gateway', dependencies: ['auth-service'] }, v1);
    await w.service({ name: 'catalog-service' }, v1);
    const release = await createRelease(
      w.ctx,
      { items: [{ service: 'api-gateway', version: '1.0.0' }, { service: 'auth-service', version: '1.0.0' }, { service: 'catalog-service', version: '1.0.0' }] },
      ACTOR,
    );
    expect(release.waves).toEqual([['auth-service', 'catalog-service'], ['api-gateway']]);

    // Run like a worker would: every claimable deployment advances side by side, the clock
    // moving only when all of them wait — so nothing here serialises the waves for us.
    const running = new Map<string, LeaseHandle>();
    for (let i = 0; i < 2_000; i++) {
      await advanceReleases(w.ctx);
      const r = await getRelease(w.db, release.id);
      if (r.state !== 'running') break;
      for (const item of r.items) {
        const d = item.deployment;
        if (d && !running.has(d.id) && (d.state === 'queued' || d.state === 'running')) {
          const lease = await claimDeployment(w.db, d.id, 'worker-a', w.clock.now());
          if (lease) running.set(d.id, lease);
        }
      }
      let wait = Infinity;
      let progressed = false;
      for (const [id, lease] of running) {
        const res = await w.orchestrator.advance(lease);
        if (res.status === 'done' || res.status === 'lost') running.delete(id);
        if (res.status === 'wait') wait = Math.min(wait, res.ms);
        else progressed = true;
      }
      if (!progressed && wait < Infinity) w.clock.advance(wait);
    }
    const r = await getRelease(w.db, release.id);
    expect(r.state).toBe('succeeded');
    const byName = Object.fromEntries(r.items.map((i) => [i.service, i.deployment!]));
    // Dependencies first: api-gateway starts only after auth-service finished.
    expect(Date.parse(byName['api-gateway']!.startedAt!)).toBeGreaterThanOrEqual(Date.parse(byName['auth-service']!.finishedAt!));
    // Independent services share a wave: both were queued before either finished.
    const queuedAt = async (id: string) => Date.parse((await getDeployment(w.db, id)).createdAt);
    expect(await queuedAt(byName['catalog-service']!.id)).toBeLessThanOrEqual(Date.parse(byName['auth-service']!.finishedAt!));
    expect(await queuedAt(byName['auth-service']!.id)).toBeLessThanOrEqual(Date.parse(byName['catalog-service']!.finishedAt!));

    // A cycle is refused, naming it.
    const e = await expectAppError(updateService(w.db, 'auth-service', { dependencies: ['api-gateway'] }, ACTOR), 'invalid', /dependency cycle: /);
    expect(e.message).toMatch(/auth-service → api-gateway → auth-service|api-gateway → auth-service → api-gateway/);
  });

  it('test_deployment_event_ordering', async () => {
    const w = new World(tdb.db);
    await w.service({ name: 'events-service', replicas: 2 }, ['1.0.0', '1.1.0']);
    await w.deploy('events-service', { version: '1.0.0' });

    // A socket.io server in front of the database; the client follows one deployment.
    const httpServer = http.createServer();
    const io = new Server(httpServer);
    const bus = new PgBus(tdb.url, [EVENTS_CHANNEL]);
    await bus.start();
    attachRealtime(io, tdb.db, bus);
    await new Promise<void>((r) => httpServer.listen(0, '127.0.0.1', r));
    const port = (httpServer.address() as AddressInfo).port;

    const { id, lease } = await w.start('events-service', { version: '1.1.0', strategy: 'rolling' });
    const received: StoredEvent[] = [];
    let lastSeq = 0;
    const client: ClientSocket = connect(`http://127.0.0.1:${port}`, { transports: ['websocket'], reconnection: false });
    client.on('event', (e: StoredEvent) => {
      if (e.seq <= lastSeq) return; // the client ignores duplicates (there should be none)
      received.push(e);
      lastSeq = e.seq;
    });
    const subscribe = () => new Promise((r) => client.emit('subscribe', { deploymentId: id, afterSeq: lastSeq }, r));
    await new Promise<void>((r) => client.on('connect', () => r()));
    await subscribe();

    // Half the deployment, then the client drops; the rest happens while it is away.
    for (let i = 0; i < 5; i++) await w.orchestrator.advance(lease);
    await expect.poll(() => received.length, { timeout: 10_000 }).toBe((await getDeployment(w.db, id)).lastSeq);
    client.disconnect();
    const seenBeforeDrop = lastSeq;
    await w.run(lease);
    const all = await w.events(id);
    expect(all.length).toBeGreaterThan(seenBeforeDrop);

    client.connect();
    await new Promise<void>((r) => client.once('connect', () => r()));
    await subscribe();
    await expect.poll(() => lastSeq, { timeout: 10_000 }).toBe(all.length);
    // Exactly what it missed: no gap, no duplicate, in order.
    expect(received.map((e) => e.seq)).toEqual(all.map((e) => e.seq));
    expect(received.map((e) => e.type)).toEqual(all.map((e) => e.type));

    // Stored in sequence order, gapless from 1, started before completed, cursors in order.
    expect(all.map((e) => e.seq)).toEqual(all.map((_, i) => i + 1));
    const types = all.map((e) => e.type);
    expect(types[0]).toBe('deployment_queued');
    expect(types.indexOf('deployment_started')).toBeLessThan(types.indexOf('deployment_completed'));
    expect(types.at(-1)).toBe('deployment_completed');
    const cursors = all.map((e) => e.cursor);
    expect([...cursors].sort((a, b) => a - b)).toEqual(cursors);
    // The API returns exactly what follows a given seq.
    expect((await listDeploymentEvents(w.db, id, 3)).map((e) => e.seq)).toEqual(all.slice(3).map((e) => e.seq));

    client.close();
    io.close();
    await bus.close();
  });

  it('test_hook_execution_order', async () => {
    const w = new World(tdb.db);
    // Hooks call this server; each call is marked in the runtime's log, in one order with
    // the runtime's own actions.
    const calls: string[] = [];
    const failing = new Set<string>();
    const server = http.createServer((req, res) => {
      const name = req.url!.slice(1);
      calls.push(name);
      w.runtime.mark(`hook:${name}`);
      res.writeHead(failing.has(name) ? 500 : 200).end(`ran ${name}`);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const hook = (name: string) => ({ name, type: 'http' as const, url: `${base}/${name}`, timeoutSeconds: 5 });
    await w.service(
      {
        name: 'hooked-service',
        replicas: 2,
        hooks: {
          pre: [hook('migrate-db'), hook('warm-cache'), { name: 'echo', type: 'command', command: process.execPath, args: ['-e', 'console.log("pre-deploy ok")'] }],
          post: [hook('smoke-test'), hook('notify')],
        },
      },
      ['1.0.0', '1.1.0', '1.2.0'],
    );
    await w.deploy('hooked-service', { version: '1.0.0' });
    const mark = w.runtime.log.length;
    calls.length = 0;
    const d = await w.deploy('hooked-service', { version: '1.1.0', strategy: 'canary', params: { steps: [100] } });
    expect(d.state).toBe('succeeded');
    expect(calls).toEqual(['migrate-db', 'warm-cache', 'smoke-test', 'notify']);
    const log = w.runtime.log.slice(mark);
    const seqOf = (label: string) => log.find((a) => a.kind === 'external' && a.label === label)!.seq;
    const firstStart = log.find((a) => a.kind === 'start')!.seq;
    const lastRoute = log.filter((a) => a.kind === 'route').at(-1)!.seq;
    expect(seqOf('hook:migrate-db')).toBeLessThan(seqOf('hook:warm-cache'));
    expect(seqOf('hook:warm-cache')).toBeLessThan(firstStart);
    expect(seqOf('hook:smoke-test')).toBeGreaterThan(lastRoute);
    expect(seqOf('hook:smoke-test')).toBeLessThan(seqOf('hook:notify'));
    const events = await w.events(d.id);
    const types = events.map((e) => e.type);
    expect(types.lastIndexOf('instances_ready')).toBeLessThan(events.findIndex((e) => e.type === 'hook_started' && e.data.phase === 'post'));
    expect(events.find((e) => e.type === 'hook_succeeded' && e.data.name === 'echo')!.data.output).toContain('pre-deploy ok');

    // A failing pre-deploy hook fails the deployment with nothing touched.
    failing.add('migrate-db');
    const before = w.runtime.log.length;
    const routesBefore = await w.runtime.getRoutes('hooked-service');
    const f = await w.deploy('hooked-service', { version: '1.2.0' });
    expect(f.state).toBe('failed');
    expect(w.runtime.log.slice(before).filter((a) => a.kind !== 'external')).toEqual([]);
    expect(await w.runtime.getRoutes('hooked-service')).toEqual(routesBefore);
    const fe = await w.events(f.id);
    expect(fe.find((e) => e.type === 'hook_failed')!.message).toMatch(/migrate-db.*HTTP 500/);
    expect(fe.some((e) => e.type === 'hook_started' && e.data.name === 'warm-cache')).toBe(false);
    server.close();
  });
});
