/**
 * The nine deployment-pipeline regressions (named as in the incident report's failing-test
 * list) on the Kubernetes runtime: the real service layer and orchestrator over a real
 * PostgreSQL drive the KubernetesRuntime against the API server double, and each assertion
 * reads what reached the API server — Deployments' replicas and slots, HTTPRoute weights, the
 * stable Service's selector, pods — under a ManualClock the double's timestamps follow.
 */
import { describe, expect, it } from 'vitest';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import { io as connect, type Socket as ClientSocket } from 'socket.io-client';
import { kubeWorlds } from '../../testing/kube-worlds';
import { expectAppError } from '../../testing/app-error';
import { KUBE_ACTOR, KubeWorld, NAMESPACE } from '../../testing/kube-world';
import { claimDeployment, readLease, type LeaseHandle } from '../../state/leases';
import { getDeployment, listDeploymentEvents } from '../../services/deployments';
import { createDeployment } from '../../services/create-deployment';
import { rollbackService } from '../../services/rollback';
import { advanceReleases, createRelease, getRelease } from '../../services/releases';
import { updateService } from '../../services/services';
import { getService } from '../../services/service-reads';
import { PgBus } from '../../events/bus';
import { EVENTS_CHANNEL, type StoredEvent } from '../../events/append';
import { attachRealtime } from '../../realtime/server';
import { slotsInRotation, type FakeAction } from '../fake';
import { StaleFenceError } from '../types';
import { KubernetesRuntime } from './driver';
import { APP_ERROR_RATE_QUERY } from './traffic';

const k = kubeWorlds();
const world = k.world;

const starts = (log: FakeAction[], versionId: string) => log.filter((a): a is Extract<FakeAction, { kind: 'start' }> => a.kind === 'start' && a.versionId === versionId);
const stops = (log: FakeAction[], versionId: string) => log.filter((a): a is Extract<FakeAction, { kind: 'stop' }> => a.kind === 'stop' && a.versionId === versionId);

async function versionId(w: KubeWorld, service: string, semver: string) {
  return (await getService(w.db, service)).versions.find((v) => v.version === semver)!.id;
}

/** The application's own error rate from Prometheus: what canary analysis on Kubernetes reads. */
function promAnalysis(w: KubeWorld) {
  return { metrics: [{ name: 'error-rate', kind: 'error_rate', provider: 'prometheus', address: w.prometheus.url, query: APP_ERROR_RATE_QUERY, threshold: 0.05 }] };
}

describe('TestDeploymentPipeline on Kubernetes', () => {
  it('test_rolling_update_batch_count', async () => {
    const w = await world();
    await w.service({ name: 'inventory-service', replicas: 3, rollbackPolicy: { warmWindowMinutes: 0 } }, ['1.0.0', '1.1.0']);
    await w.deploy('inventory-service', { version: '1.0.0', strategy: 'rolling' });
    const before = w.log.length;

    const d = await w.deploy('inventory-service', { version: '1.1.0', strategy: 'rolling', params: { batchSize: 1 } });
    expect(d.state).toBe('succeeded');
    expect(d.plan.batches).toEqual([[0], [1], [2]]);
    const v11 = await versionId(w, 'inventory-service', '1.1.0');
    const v10 = await versionId(w, 'inventory-service', '1.0.0');
    const log = w.log.slice(before);
    // Exactly one new slot per batch, in batch order, none outside 0..replicas-1.
    expect(starts(log, v11).map((a) => a.slot)).toEqual([0, 1, 2]);
    expect(stops(log, v10).map((a) => a.slot)).toEqual([0, 1, 2]);
    for (const slot of [0, 1, 2]) {
      expect(log.find((a) => a.kind === 'stop' && a.slot === slot)!.seq).toBeGreaterThan(log.find((a) => a.kind === 'start' && a.slot === slot)!.seq);
    }
    // On the API server: the new version's Deployment runs 3 pods, the old one is scaled to 0 (kept, not deleted).
    expect(w.deployment('inventory-service', '1.1.0').spec.replicas).toBe(3);
    expect(w.deployment('inventory-service', '1.0.0').spec.replicas).toBe(0);
    expect(w.api.pods(NAMESPACE, 'flightdeck.dev/service=inventory-service').map((p) => p.metadata.labels['flightdeck.dev/version-id'])).toEqual([v11, v11, v11]);
    expect((await w.events(d.id)).filter((e) => e.type === 'instances_started')).toHaveLength(3);

    // maxSurge 25 % of 4 (rounds up → 1), maxUnavailable 0: never more than 5 pods, never fewer than 4 in rotation.
    await w.service({ name: 'surge-service', replicas: 4, rollbackPolicy: { warmWindowMinutes: 0 } }, ['1.0.0', '2.0.0']);
    await w.deploy('surge-service', { version: '1.0.0' });
    let peakPods = 0;
    const unsubscribe = w.api.store.subscribe((e) => {
      if (e.resource === 'pods') peakPods = Math.max(peakPods, w.api.pods(NAMESPACE, 'flightdeck.dev/service=surge-service').length);
    });
    const mark = w.log.length;
    const s = await w.deploy('surge-service', { version: '2.0.0', strategy: 'rolling', params: { maxSurge: '25%', maxUnavailable: 0 } });
    unsubscribe();
    expect(s.state).toBe('succeeded');
    expect(s.plan.batches).toEqual([[0], [1], [2], [3]]);
    const live = new Map<string, { versionId: string; slot: number }>();
    for (const a of w.log.slice(0, mark)) {
      if (a.kind === 'start' && a.instanceId.startsWith('surge-service')) live.set(a.instanceId, a);
      if (a.kind === 'stop') live.delete(a.instanceId);
    }
    let peak = live.size;
    for (const a of w.log.slice(mark)) {
      if (a.kind === 'start') live.set(a.instanceId, a);
      if (a.kind === 'stop') live.delete(a.instanceId);
      if (a.kind === 'route' && a.table.service === 'surge-service') expect(slotsInRotation(a.table, [...live.values()]).length).toBeGreaterThanOrEqual(4);
      peak = Math.max(peak, live.size);
    }
    expect(peak).toBe(5);
    expect(peakPods).toBe(5);
    await expectAppError(createDeployment(w.ctx, 'surge-service', { version: '1.0.0', params: { maxSurge: 0, maxUnavailable: 0 } }, KUBE_ACTOR), 'invalid', /maxSurge and maxUnavailable cannot both be 0/);
  });

  it('test_blue_green_atomic_switch', async () => {
    const w = await world();
    await w.service({ name: 'order-processor', replicas: 3, rollbackPolicy: { warmWindowMinutes: 0 } }, ['1.0.0', '2.0.0']);
    await w.deploy('order-processor', { version: '1.0.0' });
    w.setLoad('order-processor', 50);
    const blue = await versionId(w, 'order-processor', '1.0.0');
    const green = await versionId(w, 'order-processor', '2.0.0');
    // Every version of the routing objects the API server ever stores sends traffic to one colour.
    const colours: string[][] = [];
    w.api.store.subscribe((e) => {
      if (e.resource === 'httproutes') colours.push(e.object.spec.rules[0].backendRefs.filter((b: { weight: number }) => b.weight > 0).map((b: { name: string }) => b.name));
      if (e.resource === 'services' && e.object.metadata.name === 'order-processor') colours.push([e.object.spec.selector['flightdeck.dev/version'] ?? 'every version']);
    });
    const t0 = w.clock.now();
    const mark = w.log.length;
    const d = await w.deploy('order-processor', { version: '2.0.0', strategy: 'blue-green', params: { scaleDownDelaySeconds: 30 } });
    expect(d.state).toBe('succeeded');

    const routes = w.log.slice(mark).filter((a): a is Extract<FakeAction, { kind: 'route' }> => a.kind === 'route');
    expect(routes).toHaveLength(1);
    expect(colours.length).toBeGreaterThan(0);
    for (const c of colours) expect(c).toHaveLength(1);
    expect(w.weights('order-processor')).toEqual({ 'order-processor-2-0-0': 100 });
    expect(w.api.get('services', NAMESPACE, 'order-processor').spec.selector['flightdeck.dev/version']).toBe('2.0.0');
    const switchAt = routes[0]!.at;
    for (let t = t0; t <= w.clock.now(); t += 250) {
      for (const pick of [0, 0.34, 0.67, 0.99]) expect(w.traffic.versionFor('order-processor', t, pick)).toBe(t < switchAt ? blue : green);
    }
    const log = w.log.slice(mark);
    const switchSeq = routes[0]!.seq;
    expect(starts(log, green).every((a) => a.seq < switchSeq)).toBe(true);
    const blueStops = stops(log, blue);
    expect(blueStops).toHaveLength(3);
    expect(blueStops.every((a) => a.seq > switchSeq && a.at >= switchAt + 30_000)).toBe(true);
    expect((await w.events(d.id)).filter((e) => e.type === 'traffic_shifted').map((e) => e.message)).toEqual(['All traffic to v2.0.0']);
  });

  it('test_canary_evaluation_window', async () => {
    const w = await world();
    await w.service({ name: 'payment-gateway', replicas: 4, analysis: promAnalysis(w) as never }, [
      '2.2.0',
      '2.3.0',
      { version: '2.3.1', config: { DEMO_ERROR_RATE: '0.2' } },
      '2.4.0',
    ]);
    await w.deploy('payment-gateway', { version: '2.2.0' });
    w.setLoad('payment-gateway', 100);

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
      // The samples came from Prometheus: 10 % then 50 % of 100 requests/s over 300 s.
      expect((p.data.samples as { canary: number }).canary).toBeGreaterThanOrEqual(i === 0 ? 2900 : 14_900);
    });
    expect(w.clock.now() - t0).toBeGreaterThanOrEqual(600_000);

    // A harmful canary (20 % errors) is aborted before its window ends, on the PromQL readings.
    const bad = await w.deploy('payment-gateway', { version: '2.3.1', strategy: 'canary', params: { steps: [10, 50] } });
    expect(bad.state).toBe('failed');
    const badEvents = await w.events(bad.id);
    const failed = badEvents.find((e) => e.type === 'analysis_failed')!;
    expect(failed.data.elapsedSeconds).toBeLessThan(300);
    expect(failed.message).toMatch(/error rate 20(\.0+)?% vs baseline 0%/);
    expect(badEvents.some((e) => e.type === 'analysis_passed')).toBe(false);
    expect(w.weights('payment-gateway')).toEqual({ 'payment-gateway-2-3-0': 100 });
    expect(w.deployment('payment-gateway', '2.3.1').spec.replicas).toBe(0);
    expect((await getService(w.db, 'payment-gateway')).versions.find((v) => v.version === '2.3.1')!.bad).toBe(true);

    // Too little traffic: at the deadline the step is inconclusive and pauses — never promotes.
    w.setLoad('payment-gateway', 0.1);
    const { id, lease } = await w.start('payment-gateway', { version: '2.4.0', strategy: 'canary', params: { steps: [25], minSamples: 100 } });
    await w.run(lease, { until: async () => (await getDeployment(w.db, id)).state === 'paused' });
    expect((await getDeployment(w.db, id)).state).toBe('paused');
    const slowEvents = await w.events(id);
    expect(slowEvents.find((e) => e.type === 'analysis_inconclusive')!.message).toMatch(/too few requests/);
    expect(slowEvents.some((e) => e.type === 'analysis_passed' || e.type === 'deployment_completed')).toBe(false);
    expect(w.weights('payment-gateway')).toEqual({ 'payment-gateway-2-3-0': 75, 'payment-gateway-2-4-0': 25 });
  });

  it('test_rollback_to_previous_version', async () => {
    const w = await world();
    await w.service({ name: 'pg-rollback', replicas: 2 }, ['2.1.0', '2.2.0', '2.3.0']);
    for (const v of ['2.1.0', '2.2.0', '2.3.0']) expect((await w.deploy('pg-rollback', { version: v })).state).toBe('succeeded');

    const preview = await rollbackService(w.ctx, 'pg-rollback', { dryRun: true }, KUBE_ACTOR);
    expect(preview.target).toBe('2.2.0');
    const r = await rollbackService(w.ctx, 'pg-rollback', {}, KUBE_ACTOR);
    expect(r.target).toBe('2.2.0');
    await w.run((await claimDeployment(w.db, r.deploymentId!, 'worker-a', w.clock.now()))!);
    let svc = await getService(w.db, 'pg-rollback');
    expect(svc.liveVersion).toBe('2.2.0');
    expect(svc.versions.find((v) => v.version === '2.3.0')!.bad).toBe(true);
    expect(w.weights('pg-rollback')).toEqual({ 'pg-rollback-2-2-0': 100 });
    expect(w.deployment('pg-rollback', '2.2.0').spec.replicas).toBe(2);

    const again = await rollbackService(w.ctx, 'pg-rollback', {}, KUBE_ACTOR);
    expect(again.target).toBe('2.1.0');
    expect(again.skipped.map((s) => s.semver)).toContain('2.3.0');
    await w.run((await claimDeployment(w.db, again.deploymentId!, 'worker-a', w.clock.now()))!);
    svc = await getService(w.db, 'pg-rollback');
    expect(svc.liveVersion).toBe('2.1.0');
    expect(w.api.get('services', NAMESPACE, 'pg-rollback').spec.selector['flightdeck.dev/version']).toBe('2.1.0');
    await expectAppError(rollbackService(w.ctx, 'pg-rollback', { toVersion: '2.3.0' }, KUBE_ACTOR), 'invalid', /2\.3\.0.*bad/);
  });

  it('test_deployment_lock_duration', async () => {
    const w = await world();
    await w.service({ name: 'notification-service', replicas: 2, analysis: promAnalysis(w) as never }, ['1.0.0', '1.1.0', '1.2.0']);
    await w.deploy('notification-service', { version: '1.0.0' });
    w.setLoad('notification-service', 50);

    const { id, lease } = await w.start('notification-service', { version: '1.1.0', strategy: 'canary', params: { steps: [20, 60], minSamples: 10 } });
    const row = await readLease(w.db, lease.serviceId, (await w.db.deployment.findUniqueOrThrow({ where: { id } })).environmentId);
    expect(Date.parse(row!.expiresAt) - w.clock.now()).toBe(300_000);
    await expectAppError(createDeployment(w.ctx, 'notification-service', { version: '1.2.0' }, KUBE_ACTOR), 'conflict', new RegExp(`locked by deployment ${id} \\(worker worker-a\\) until`));
    let stealAttempts = 0;
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
    // The lease's token is on every object Flightdeck wrote.
    expect(w.deployment('notification-service', '1.1.0').metadata.annotations['flightdeck.dev/fence']).toBe(String(lease.token));
    expect(w.api.get('httproutes', NAMESPACE, 'notification-service').metadata.annotations['flightdeck.dev/fence']).toBe(String(lease.token));

    // Worker A stalls mid-deployment: B takes over only after the TTL ran out unrenewed.
    const second = await w.start('notification-service', { version: '1.2.0', strategy: 'canary', params: { steps: [50], minSamples: 10 } });
    for (let i = 0; i < 4; i++) await w.orchestrator.advance(second.lease);
    w.clock.advance(299_000);
    expect(await claimDeployment(w.db, second.id, 'worker-b', w.clock.now())).toBeNull();
    w.clock.advance(2_000);
    const takeover = await claimDeployment(w.db, second.id, 'worker-b', w.clock.now());
    expect(takeover!.token).toBe(second.lease.token + 1);
    const seqBefore = (await getDeployment(w.db, second.id)).lastSeq;
    expect((await w.orchestrator.advance(second.lease)).status).toBe('lost');
    expect((await getDeployment(w.db, second.id)).lastSeq).toBe(seqBefore);
    await w.run(takeover!);
    expect((await getDeployment(w.db, second.id)).state).toBe('succeeded');
    // A's process lives on and never saw B's token: the API server's objects refuse it all the same.
    const stale = new KubernetesRuntime({ kubeConfig: w.api.kubeConfig(), namespace: NAMESPACE, gateway: { name: 'public', namespace: 'gateways' }, watch: false });
    const rv = w.api.store.currentRv();
    const v10 = await versionId(w, 'notification-service', '1.0.0');
    await expect(stale.setRoutes({ service: 'notification-service', token: second.lease.token }, { service: 'notification-service', versions: [{ versionId: v10, weight: 100 }] })).rejects.toBeInstanceOf(StaleFenceError);
    expect(w.api.store.currentRv()).toBe(rv);
    const seqs = (await w.events(second.id)).map((e) => e.seq);
    expect(seqs).toEqual(seqs.map((_, i) => i + 1));
  });

  it('test_health_check_grace_period', async () => {
    const w = await world();
    const warm = { DEMO_WARMUP_SECONDS: '45' };
    await w.service({ name: 'analytics-pipeline', replicas: 2, health: { gracePeriodSeconds: 60, intervalSeconds: 5, unhealthyThreshold: 3 } }, [
      '1.0.0',
      { version: '1.1.0', config: warm },
      { version: '1.2.0', config: { DEMO_WARMUP_SECONDS: '100000' } },
    ]);
    await w.deploy('analytics-pipeline', { version: '1.0.0' });

    const d = await w.deploy('analytics-pipeline', { version: '1.1.0', strategy: 'blue-green', params: { scaleDownDelaySeconds: 0 } });
    expect(d.state).toBe('succeeded');
    const events = await w.events(d.id);
    expect(events.some((e) => e.type === 'instance_unhealthy')).toBe(false);
    const startedAt = Date.parse(events.find((e) => e.type === 'instances_started')!.at);
    const readyAt = Date.parse(events.find((e) => e.type === 'instances_ready')!.at);
    expect(readyAt - startedAt).toBeGreaterThanOrEqual(45_000);
    expect(readyAt - startedAt).toBeLessThan(60_000);
    // The kubelet gets the same policy: no readiness probe runs inside the grace period.
    expect(w.deployment('analytics-pipeline', '1.1.0').spec.template.spec.containers[0].readinessProbe).toMatchObject({
      httpGet: { path: '/healthz', port: 'http' },
      initialDelaySeconds: 60,
      periodSeconds: 5,
      failureThreshold: 3,
    });

    const never = await w.deploy('analytics-pipeline', { version: '1.2.0', strategy: 'blue-green' });
    expect(never.state).toBe('failed');
    const ne = await w.events(never.id);
    const t0 = Date.parse(ne.find((e) => e.type === 'instances_started')!.at);
    const unhealthy = ne.find((e) => e.type === 'instance_unhealthy')!;
    expect(Date.parse(unhealthy.at) - t0).toBeGreaterThanOrEqual(60_000 + 2 * 5_000);
    expect(unhealthy.message).toMatch(/ContainersNotReady: .*3 consecutive/);
    expect((await getService(w.db, 'analytics-pipeline')).liveVersion).toBe('1.1.0');
    expect(w.api.get('services', NAMESPACE, 'analytics-pipeline').spec.selector['flightdeck.dev/version']).toBe('1.1.0');

    await w.service({ name: 'no-grace', replicas: 1, health: { gracePeriodSeconds: 0, intervalSeconds: 5, unhealthyThreshold: 3 } }, [{ version: '1.0.0', config: warm }]);
    expect((await w.deploy('no-grace', { version: '1.0.0' })).state).toBe('failed');
  });

  it('test_deployment_dependency_order', async () => {
    const w = await world();
    const v1 = [{ version: '1.0.0', config: { DEMO_WARMUP_SECONDS: '20' } }];
    await w.service({ name: 'auth-service' }, v1);
    await w.service({ name: 'api-gateway', dependencies: ['auth-service'] }, v1);
    await w.service({ name: 'catalog-service' }, v1);
    const release = await createRelease(
      w.ctx,
      { items: [{ service: 'api-gateway', version: '1.0.0' }, { service: 'auth-service', version: '1.0.0' }, { service: 'catalog-service', version: '1.0.0' }] },
      KUBE_ACTOR,
    );
    expect(release.waves).toEqual([['auth-service', 'catalog-service'], ['api-gateway']]);
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
    expect(Date.parse(byName['api-gateway']!.startedAt!)).toBeGreaterThanOrEqual(Date.parse(byName['auth-service']!.finishedAt!));
    // On the cluster: api-gateway's first pod slot comes after auth-service took all its traffic.
    const firstGateway = w.log.find((a) => a.kind === 'start' && a.instanceId.startsWith('api-gateway-'))!;
    const authServing = w.log.find((a) => a.kind === 'route' && a.table.service === 'auth-service' && a.table.versions.some((v) => v.weight > 0))!;
    expect(firstGateway.seq).toBeGreaterThan(authServing.seq);
    // Independent services share a wave: both started before either finished.
    const catalogStart = w.log.find((a) => a.kind === 'start' && a.instanceId.startsWith('catalog-service-'))!;
    const authStart = w.log.find((a) => a.kind === 'start' && a.instanceId.startsWith('auth-service-'))!;
    expect(catalogStart.at).toBeLessThan(Date.parse(byName['auth-service']!.finishedAt!));
    expect(authStart.at).toBeLessThan(Date.parse(byName['catalog-service']!.finishedAt!));
    const e = await expectAppError(updateService(w.db, 'auth-service', { dependencies: ['api-gateway'] }, KUBE_ACTOR), 'invalid', /dependency cycle: /);
    expect(e.message).toMatch(/auth-service → api-gateway → auth-service|api-gateway → auth-service → api-gateway/);
  });

  it('test_deployment_event_ordering', async () => {
    const w = await world();
    await w.service({ name: 'events-service', replicas: 2 }, ['1.0.0', '1.1.0']);
    await w.deploy('events-service', { version: '1.0.0' });
    const httpServer = http.createServer();
    const io = new Server(httpServer);
    const bus = new PgBus(k.tdb().url, [EVENTS_CHANNEL]);
    await bus.start();
    attachRealtime(io, k.tdb().db, bus);
    await new Promise<void>((r) => httpServer.listen(0, '127.0.0.1', r));
    const port = (httpServer.address() as AddressInfo).port;

    const { id, lease } = await w.start('events-service', { version: '1.1.0', strategy: 'rolling' });
    const received: StoredEvent[] = [];
    let lastSeq = 0;
    const client: ClientSocket = connect(`http://127.0.0.1:${port}`, { transports: ['websocket'], reconnection: false });
    client.on('event', (e: StoredEvent) => {
      if (e.seq <= lastSeq) return;
      received.push(e);
      lastSeq = e.seq;
    });
    const subscribe = () => new Promise((r) => client.emit('subscribe', { deploymentId: id, afterSeq: lastSeq }, r));
    await new Promise<void>((r) => client.on('connect', () => r()));
    await subscribe();
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
    expect(received.map((e) => e.seq)).toEqual(all.map((e) => e.seq));
    expect(received.map((e) => e.type)).toEqual(all.map((e) => e.type));
    expect(all.map((e) => e.seq)).toEqual(all.map((_, i) => i + 1));
    const types = all.map((e) => e.type);
    expect(types[0]).toBe('deployment_queued');
    expect(types.indexOf('deployment_started')).toBeLessThan(types.indexOf('deployment_completed'));
    expect(types.at(-1)).toBe('deployment_completed');
    const cursors = all.map((e) => e.cursor);
    expect([...cursors].sort((a, b) => a - b)).toEqual(cursors);
    expect((await listDeploymentEvents(w.db, id, 3)).map((e) => e.seq)).toEqual(all.slice(3).map((e) => e.seq));
    client.close();
    io.close();
    await bus.close();
  });

  it('test_hook_execution_order', async () => {
    const w = await world();
    const calls: string[] = [];
    const failing = new Set<string>();
    const server = http.createServer((req, res) => {
      const name = req.url!.slice(1);
      calls.push(name);
      w.mark(`hook:${name}`);
      res.writeHead(failing.has(name) ? 500 : 200).end(`ran ${name}`);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const hook = (name: string) => ({ name, type: 'http' as const, url: `${base}/${name}`, timeoutSeconds: 5 });
    await w.service({ name: 'hooked-service', replicas: 2, hooks: { pre: [hook('migrate-db'), hook('warm-cache')], post: [hook('smoke-test'), hook('notify')] } }, ['1.0.0', '1.1.0', '1.2.0']);
    await w.deploy('hooked-service', { version: '1.0.0' });
    const mark = w.log.length;
    calls.length = 0;
    const d = await w.deploy('hooked-service', { version: '1.1.0', strategy: 'canary', params: { steps: [100] } });
    expect(d.state).toBe('succeeded');
    expect(calls).toEqual(['migrate-db', 'warm-cache', 'smoke-test', 'notify']);
    const log = w.log.slice(mark);
    const seqOf = (label: string) => log.find((a) => a.kind === 'external' && a.label === label)!.seq;
    const firstStart = log.find((a) => a.kind === 'start')!.seq;
    const lastRoute = log.filter((a) => a.kind === 'route').at(-1)!.seq;
    expect(seqOf('hook:migrate-db')).toBeLessThan(seqOf('hook:warm-cache'));
    expect(seqOf('hook:warm-cache')).toBeLessThan(firstStart);
    expect(seqOf('hook:smoke-test')).toBeGreaterThan(lastRoute);
    expect(seqOf('hook:smoke-test')).toBeLessThan(seqOf('hook:notify'));

    // A failing pre-deploy hook fails the deployment with nothing written to the cluster.
    failing.add('migrate-db');
    const writes = w.api.requests.filter((r) => r.verb === 'patch').length;
    const rv = w.api.store.currentRv();
    const f = await w.deploy('hooked-service', { version: '1.2.0' });
    expect(f.state).toBe('failed');
    expect(w.api.requests.filter((r) => r.verb === 'patch').length).toBe(writes);
    expect(w.api.store.currentRv()).toBe(rv);
    expect((await w.events(f.id)).find((e) => e.type === 'hook_failed')!.message).toMatch(/migrate-db.*HTTP 500/);
    server.close();
  });
});
