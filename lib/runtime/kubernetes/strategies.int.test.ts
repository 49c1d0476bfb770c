/**
 * One deployment of each strategy on Kubernetes — rolling, blue-green, canary judged on
 * Prometheus metrics, recreate — and one-click rollback as a traffic switch while the previous
 * version's Deployment is still scaled up, through the real service layer and orchestrator
 * against the API server double. Also: the preflight against ConfigMaps and Secrets before
 * anything is applied, canary weights approximated by replica ratio without a Gateway (said in
 * the plan preview and the instances read), and pod-level reasons as the platform words them.
 */
import { describe, expect, it } from 'vitest';
import { kubeWorlds } from '../../testing/kube-worlds';
import { expectAppError } from '../../testing/app-error';
import { until } from '../../testing/until';
import { KUBE_ACTOR, KubeWorld, NAMESPACE } from '../../testing/kube-world';
import { getDeployment } from '../../services/deployments';
import { createDeployment } from '../../services/create-deployment';
import { rollbackService } from '../../services/rollback';
import { getService } from '../../services/service-reads';
import { listInstances } from '../../services/instances';
import { recordCrashes } from '../../deploy/crash-watcher';
import type { FakeAction } from '../fake';
import { APP_ERROR_RATE_QUERY, ISTIO_ERROR_RATE_QUERY, ISTIO_ERRORS_QUERY, ISTIO_REQUESTS_QUERY } from './traffic';
import { NO_POD_YET } from './driver';
import { claimDeployment } from '../../state/leases';

const k = kubeWorlds();
const world = k.world;

const kinds = (log: FakeAction[]) => log.map((a) => (a.kind === 'route' ? `route ${a.table.versions.map((v) => v.weight).join('/')}` : a.kind === 'external' ? a.label : `${a.kind} ${a.instanceId}`));
const patches = (w: KubeWorld) => w.api.requests.filter((r) => r.verb === 'patch').length;

describe('each strategy on Kubernetes', () => {
  it('rolling: batch by batch, the old Deployment scaled to 0 and kept', async () => {
    const w = await world();
    await w.service({ name: 'roll', replicas: 2, rollbackPolicy: { warmWindowMinutes: 0 } }, ['1.0.0', '1.1.0']);
    await w.deploy('roll', { version: '1.0.0' });
    const mark = w.log.length;
    const d = await w.deploy('roll', { version: '1.1.0', strategy: 'rolling' });
    expect(d.state).toBe('succeeded');
    expect(kinds(w.log.slice(mark))).toEqual(['start roll-1-1-0/0', 'route 1/1', 'stop roll-1-0-0/0', 'start roll-1-1-0/1', 'route 2', 'stop roll-1-0-0/1']);
    expect([w.deployment('roll', '1.0.0').spec.replicas, w.deployment('roll', '1.1.0').spec.replicas]).toEqual([0, 2]);
    expect(w.api.get('services', NAMESPACE, 'roll').spec.selector['flightdeck.dev/version']).toBe('1.1.0');
  });

  it('blue-green: green beside blue, one switch of the HTTPRoute and the stable Service, blue scaled down after the delay', async () => {
    const w = await world();
    await w.service({ name: 'bg', replicas: 2, rollbackPolicy: { warmWindowMinutes: 0 } }, ['1.0.0', '2.0.0']);
    await w.deploy('bg', { version: '1.0.0' });
    const mark = w.log.length;
    const d = await w.deploy('bg', { version: '2.0.0', strategy: 'blue-green', params: { scaleDownDelaySeconds: 60 } });
    expect(d.state).toBe('succeeded');
    expect(kinds(w.log.slice(mark))).toEqual(['start bg-2-0-0/0', 'start bg-2-0-0/1', 'route 100', 'stop bg-1-0-0/0', 'stop bg-1-0-0/1']);
    expect(w.weights('bg')).toEqual({ 'bg-2-0-0': 100 });
  });

  it('canary: weights 10 → 50 → 100 on the HTTPRoute, each step promoted on Istio request metrics from Prometheus after its window', async () => {
    // The runtime counts requests with Istio's metrics too (the minimum-samples rule reads them).
    const w = await world({ countQueries: { requests: ISTIO_REQUESTS_QUERY, errors: ISTIO_ERRORS_QUERY } });
    const analysis = { metrics: [{ name: 'istio-error-rate', kind: 'error_rate', provider: 'prometheus', address: w.prometheus.url, query: ISTIO_ERROR_RATE_QUERY, threshold: 0.02 }] };
    await w.service({ name: 'pay', replicas: 4, analysis: analysis as never, rollbackPolicy: { warmWindowMinutes: 0 } }, ['1.0.0', '1.1.0']);
    await w.deploy('pay', { version: '1.0.0' });
    w.setLoad('pay', 40);
    const mark = w.log.length;
    const d = await w.deploy('pay', { version: '1.1.0', strategy: 'canary', params: { steps: [10, 50], windowSeconds: 120, minSamples: 200 } });
    expect(d.state).toBe('succeeded');
    const routes = w.log.slice(mark).filter((a): a is Extract<FakeAction, { kind: 'route' }> => a.kind === 'route');
    const fresh = (await getService(w.db, 'pay')).versions.find((v) => v.version === '1.1.0')!.id;
    expect(routes.map((r) => r.table.versions.map((v) => `${v.versionId === fresh ? 'new' : 'old'} ${v.weight}`))).toEqual([['new 10', 'old 90'], ['new 50', 'old 50'], ['new 100']]);
    const passed = (await w.events(d.id)).filter((e) => e.type === 'analysis_passed');
    expect(passed).toHaveLength(2);
    expect(passed.map((p) => (p.data.samples as { canary: number }).canary)).toEqual([480, 2400]);
    expect(passed[0]!.message).toMatch(/istio-error-rate: canary error rate 0% vs baseline 0%/);
    expect(w.prometheus.queries.some((q) => q.includes('istio_requests_total{reporter="destination",destination_workload_namespace="flightdeck",destination_app="pay",destination_version="1.1.0"}'))).toBe(true);
    expect(w.deployment('pay', '1.0.0').spec.replicas).toBe(0);
  });

  it('recreate: every old pod stops before the first new one starts, and the preview says the downtime', async () => {
    const w = await world();
    await w.service({ name: 'batch', replicas: 2 }, ['1.0.0', '2.0.0']);
    await w.deploy('batch', { version: '1.0.0' });
    const preview = await createDeployment(w.ctx, 'batch', { version: '2.0.0', strategy: 'recreate', dryRun: true }, KUBE_ACTOR);
    expect(preview.dryRun && preview.preview.summary).toMatch(/expected downtime/);
    const mark = w.log.length;
    const d = await w.deploy('batch', { version: '2.0.0', strategy: 'recreate' });
    expect(d.state).toBe('succeeded');
    expect(kinds(w.log.slice(mark))).toEqual(['route ', 'stop batch-1-0-0/0', 'stop batch-1-0-0/1', 'start batch-2-0-0/0', 'start batch-2-0-0/1', 'route 2']);
  });
});

describe('rollback on Kubernetes is a traffic switch while the previous version still runs', () => {
  it('blue-green inside its scale-down delay: the HTTPRoute goes back to blue, no pod starts, blue never scaled down', async () => {
    const w = await world();
    await w.service({ name: 'shop', replicas: 3 }, ['1.0.0', '2.0.0']);
    await w.deploy('shop', { version: '1.0.0' });
    const { id, lease } = await w.start('shop', { version: '2.0.0', strategy: 'blue-green', params: { scaleDownDelaySeconds: 600 } });
    await w.run(lease, { until: async () => (await w.events(id)).some((e) => e.type === 'traffic_shifted') });
    expect(w.weights('shop')).toEqual({ 'shop-2-0-0': 100 });
    const pods = w.api.pods(NAMESPACE).length;
    const mark = w.log.length;
    const t = w.clock.now();

    const r = await rollbackService(w.ctx, 'shop', {}, KUBE_ACTOR);
    expect(r.mode).toBe('abort-in-flight');
    await w.run(lease);
    const d = await getDeployment(w.db, id);
    expect(d.state).toBe('aborted');
    // The switch was the first thing reaching the cluster, at once; green is stopped only afterwards.
    const after = w.log.slice(mark);
    expect(after[0]).toMatchObject({ kind: 'route', at: t });
    expect(kinds(after)).toEqual(['route 100', 'stop shop-2-0-0/0', 'stop shop-2-0-0/1', 'stop shop-2-0-0/2']);
    expect(after.filter((a) => a.kind === 'start')).toEqual([]);
    expect(w.weights('shop')).toEqual({ 'shop-1-0-0': 100 });
    expect(w.api.get('services', NAMESPACE, 'shop').spec.selector['flightdeck.dev/version']).toBe('1.0.0');
    expect(w.deployment('shop', '1.0.0').spec.replicas).toBe(3);
    expect(w.api.pods(NAMESPACE).length).toBe(pods - 3);
    expect((await getService(w.db, 'shop')).versions.find((v) => v.version === '2.0.0')!.bad).toBe(true);
  });

  it('an unfinished canary: weights back to the stable version, no analysis, no new pods', async () => {
    const w = await world();
    await w.service({ name: 'cart', replicas: 2 }, ['1.0.0', '1.1.0']);
    await w.deploy('cart', { version: '1.0.0' });
    const { id, lease } = await w.start('cart', { version: '1.1.0', strategy: 'canary', params: { steps: [25, 50] } });
    await w.run(lease, { until: async () => (await w.events(id)).some((e) => e.type === 'analysis_started') });
    expect(w.weights('cart')).toEqual({ 'cart-1-0-0': 75, 'cart-1-1-0': 25 });
    const mark = w.log.length;
    await rollbackService(w.ctx, 'cart', {}, KUBE_ACTOR);
    await w.run(lease);
    expect((await getDeployment(w.db, id)).state).toBe('aborted');
    expect(kinds(w.log.slice(mark))).toEqual(['route 100', 'stop cart-1-1-0/0']);
    expect(w.weights('cart')).toEqual({ 'cart-1-0-0': 100 });
    expect(w.deployment('cart', '1.0.0').spec.replicas).toBe(2);
  });
});

describe('the warm rollback window on Kubernetes', () => {
  it('after a rolling deployment succeeds the previous Deployment stays scaled up out of rotation; a rollback inside the window is a routing write, no pod starts', async () => {
    const w = await world();
    await w.service({ name: 'warm', replicas: 2, rollbackPolicy: { warmWindowMinutes: 15 } }, ['1.0.0', '1.1.0']);
    await w.deploy('warm', { version: '1.0.0' });
    const d = await w.deploy('warm', { version: '1.1.0', strategy: 'rolling' });
    expect(d.state).toBe('succeeded');
    expect(Object.keys(w.weights('warm'))).toEqual(['warm-1-1-0']);
    expect([w.deployment('warm', '1.0.0').spec.replicas, w.deployment('warm', '1.1.0').spec.replicas]).toEqual([2, 2]);
    const mark = w.log.length;

    const r = await rollbackService(w.ctx, 'warm', {}, KUBE_ACTOR);
    expect(r.mode).toBe('deployment');
    const rb = await getDeployment(w.db, r.deploymentId!);
    const lease = await claimDeployment(w.db, rb.id, 'worker-a', w.clock.now());
    await w.run(lease!);
    expect((await getDeployment(w.db, rb.id)).state).toBe('succeeded');
    const after = w.log.slice(mark);
    expect(after.filter((a) => a.kind === 'start'), 'no pod started by the rollback').toEqual([]);
    expect(after[0]!.kind).toBe('route');
    expect(Object.keys(w.weights('warm'))).toEqual(['warm-1-0-0']);
    expect(w.api.get('services', NAMESPACE, 'warm').spec.selector['flightdeck.dev/version']).toBe('1.0.0');
    expect((await w.events(rb.id)).map((e) => e.type)).toContain('warm_instances_adopted');
  });
});

describe('canary analysis without data on Kubernetes', () => {
  it('a Prometheus that does not answer is no data: inconclusive, paused, nothing promoted or marked bad', async () => {
    const w = await world();
    const analysis = { metrics: [{ name: 'error-rate', kind: 'error_rate', provider: 'prometheus', address: w.prometheus.url, query: APP_ERROR_RATE_QUERY, threshold: 0.05 }] };
    await w.service({ name: 'quiet', replicas: 2, analysis: analysis as never }, ['1.0.0', '1.1.0']);
    await w.deploy('quiet', { version: '1.0.0' });
    w.setLoad('quiet', 100);
    w.prometheus.down = true;
    const { id, lease } = await w.start('quiet', { version: '1.1.0', strategy: 'canary', params: { steps: [50], windowSeconds: 60 } });
    await w.run(lease, { until: async () => (await getDeployment(w.db, id)).state === 'paused' });
    const events = await w.events(id);
    expect(events.find((e) => e.type === 'analysis_inconclusive')!.message).toMatch(/too few requests \(canary n=0 of 100, baseline n=0 of 100 required\); not promoting on missing data/);
    expect(events.some((e) => e.type === 'analysis_passed')).toBe(false);
    expect(w.weights('quiet')).toEqual({ 'quiet-1-0-0': 50, 'quiet-1-1-0': 50 });
    expect((await getService(w.db, 'quiet')).versions.every((v) => !v.bad)).toBe(true);
  });
});

describe('preflight against the cluster, before anything is applied', () => {
  it('a required key found in no ConfigMap or Secret is refused naming it; a missing ConfigMap or image likewise; with them all, it deploys', async () => {
    const w = await world();
    await w.service({ name: 'mailer', replicas: 1, requiredConfigKeys: ['SMTP_HOST', 'SMTP_PASSWORD'] }, [
      { version: '1.0.0', config: { SMTP_HOST: 'mail.local' }, artifact: { envFrom: [{ configMap: 'mailer-config' }, { secret: 'mailer-secrets' }] } },
      { version: '1.1.0', config: { SMTP_HOST: 'mail.local' }, artifact: { envFrom: [{ configMap: 'gone' }] } },
      { version: '1.2.0', config: { SMTP_HOST: 'mail.local', SMTP_PASSWORD: 'x' }, artifact: { image: undefined } },
      { version: '1.3.0', config: { SMTP_HOST: 'mail.local' }, artifact: { envFrom: [{ secret: 'mailer-secrets' }] } },
    ]);
    w.api.write({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'mailer-config', namespace: NAMESPACE }, data: { LOG_LEVEL: 'info' } });
    w.api.write({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'mailer-secrets', namespace: NAMESPACE }, data: { OTHER: 'eA==' } });
    const writes = patches(w);
    const e = await expectAppError(createDeployment(w.ctx, 'mailer', { version: '1.0.0' }, KUBE_ACTOR), 'invalid', 'v1.0.0 of mailer is missing required config keys: SMTP_PASSWORD');
    expect(e.details).toMatchObject({ missingConfigKeys: ['SMTP_PASSWORD'] });
    const dry = await createDeployment(w.ctx, 'mailer', { version: '1.0.0', dryRun: true }, KUBE_ACTOR);
    expect(dry.dryRun && dry.preview.preflight).toMatchObject({ ok: false, missingConfigKeys: ['SMTP_PASSWORD'] });
    await expectAppError(
      createDeployment(w.ctx, 'mailer', { version: '1.1.0' }, KUBE_ACTOR),
      'invalid',
      /^v1\.1\.0 of mailer is missing required config keys: SMTP_PASSWORD$/,
    );
    const v11 = await createDeployment(w.ctx, 'mailer', { version: '1.1.0', dryRun: true }, KUBE_ACTOR);
    expect(v11.dryRun && v11.preview.preflight.problems).toContain('ConfigMap gone does not exist in namespace flightdeck (the version loads its environment from it)');
    await expectAppError(createDeployment(w.ctx, 'mailer', { version: '1.2.0' }, KUBE_ACTOR), 'invalid', /^v1\.2\.0 of mailer cannot run in production: version 1\.2\.0 of mailer has no container image/);
    // Nothing was applied by any of it.
    expect(patches(w)).toBe(writes);

    // The key arrives in the Secret: the same version deploys, its pods load both sources.
    w.api.write({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'mailer-secrets', namespace: NAMESPACE }, data: { SMTP_PASSWORD: 'c2VjcmV0' } });
    expect((await w.deploy('mailer', { version: '1.0.0' })).state).toBe('succeeded');
    expect(w.deployment('mailer', '1.0.0').spec.template.spec.containers[0].envFrom).toEqual([{ configMapRef: { name: 'mailer-config' } }, { secretRef: { name: 'mailer-secrets' } }]);

    // A cluster that cannot be asked refuses a deploy (nothing applied) but lets a rollback through.
    w.api.deny('get', 'secrets');
    const writesNow = patches(w);
    await expectAppError(
      createDeployment(w.ctx, 'mailer', { version: '1.3.0' }, KUBE_ACTOR),
      'invalid',
      /^preflight could not check v1\.3\.0 of mailer against the production runtime, so nothing was applied: Flightdeck lacks the RBAC permission to get secrets in namespace flightdeck \(403 Forbidden\)/,
    );
    const dryDenied = await createDeployment(w.ctx, 'mailer', { version: '1.3.0', dryRun: true }, KUBE_ACTOR);
    expect(dryDenied.dryRun && dryDenied.preview.preflight).toMatchObject({ ok: false, missingConfigKeys: [] });
    expect(patches(w)).toBe(writesNow);
  });
});

describe('without a Gateway', () => {
  it('the plan preview and the instances read say canary weights are approximated by replica ratio; the stable Service then spans both versions', async () => {
    const w = await world({ gateway: null });
    await w.service({ name: 'api', replicas: 4, rollbackPolicy: { warmWindowMinutes: 0 } }, ['1.0.0', '1.1.0']);
    await w.deploy('api', { version: '1.0.0' });
    const dry = await createDeployment(w.ctx, 'api', { version: '1.1.0', strategy: 'canary', params: { steps: [10, 50] }, dryRun: true }, KUBE_ACTOR);
    expect(dry.dryRun && dry.preview.preflight.warnings).toContain(
      'Canary weights in production are approximated by replica ratio: 10 % → 1 of 5 pods (20 %), 50 % → 2 of 6 pods (33 %).',
    );
    const rolling = await createDeployment(w.ctx, 'api', { version: '1.1.0', strategy: 'rolling', dryRun: true }, KUBE_ACTOR);
    expect(rolling.dryRun && rolling.preview.preflight.warnings.filter((x) => /approximated/.test(x))).toEqual([]);
    expect((await listInstances(w.db, 'api')).trafficNote).toMatch(/^No Gateway configured: canary weights are approximated by the ratio of ready pods/);

    w.setLoad('api', 100);
    const { id, lease } = await w.start('api', { version: '1.1.0', strategy: 'canary', params: { steps: [10, 50] } });
    await w.run(lease, { until: async () => (await w.events(id)).some((e) => e.type === 'analysis_started') });
    expect(w.api.get('httproutes', NAMESPACE, 'api')).toBeUndefined();
    expect(w.api.get('services', NAMESPACE, 'api').spec.selector).toEqual({ 'flightdeck.dev/service': 'api' });
    const split = w.traffic.split('api');
    expect(Object.values(split).sort()).toEqual([0.2, 0.8]);
  });
});

describe('pods as instances, in the platform’s words', () => {
  it('a crash-looping version fails with CrashLoopBackOff on its timeline and the instances read; its restarts become crash records', async () => {
    const w = await world();
    await w.service({ name: 'crashy', replicas: 1, health: { gracePeriodSeconds: 10, intervalSeconds: 5, unhealthyThreshold: 2 } }, ['1.0.0', { version: '1.1.0', config: { DEMO_CRASH_ON_START: '1' } }]);
    await w.deploy('crashy', { version: '1.0.0' });
    const { id, lease } = await w.start('crashy', { version: '1.1.0', strategy: 'blue-green' });
    await w.run(lease, { until: async () => (await w.events(id)).some((e) => e.type === 'instances_started') });
    const view = await listInstances(w.db, 'crashy');
    expect(view.runtime).toBe('kubernetes');
    expect(view.instances.find((i) => i.version === '1.1.0')).toMatchObject({ reason: 'CrashLoopBackOff', exitReason: 'Error', exitCode: 1, host: 'node-1', restarts: 1 });
    await w.run(lease);
    const d = await getDeployment(w.db, id);
    expect(d.state).toBe('failed');
    const unhealthy = (await w.events(id)).find((e) => e.type === 'instance_unhealthy')!;
    expect(unhealthy.message).toMatch(/^instance crashy-1-1-0-\S+ is unhealthy: CrashLoopBackOff: /);
    // The pod watch saw the restarts; the crash watcher puts them on the timeline of the deployment that started the pod.
    await until('crash records', async () => (await w.runtime.crashesAfter(0)).some((c) => c.deploymentId === id));
    await recordCrashes(w.db, w.runtime, 0);
    const crashed = (await w.events(id)).filter((e) => e.type === 'instance_crashed');
    expect(crashed[0]!.message).toMatch(/^Instance crashy-1-1-0-\S+ exited on its own \(Error\); the runtime restarted it$/);
    expect(w.weights('crashy')).toEqual({ 'crashy-1-0-0': 100 });
  });

  it('a slot whose pod the controller has not created yet is starting (NoPodYet), not missing', async () => {
    const w = await world();
    await w.service({ name: 'slow', replicas: 1 }, ['1.0.0']);
    w.api.controller.hold();
    const { id, lease } = await w.start('slow', { version: '1.0.0' });
    await w.run(lease, { until: async () => (await w.events(id)).some((e) => e.type === 'instances_started') });
    for (let i = 0; i < 3; i++) expect((await w.orchestrator.advance(lease)).status).toBe('wait');
    expect((await listInstances(w.db, 'slow')).instances).toMatchObject([{ slot: 0, reason: NO_POD_YET, health: 'starting' }]);
    expect((await getDeployment(w.db, id)).state).toBe('running');
    w.api.controller.release();
    await w.run(lease);
    expect((await getDeployment(w.db, id)).state).toBe('succeeded');
  });
});
