/**
 * Canary analysis on real processes: demo-service instances behind the real router, real
 * open-loop HTTP load, the real orchestrator and providers, short windows. Given/when/then.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createTestDatabase, type TestDatabase } from '../testing/db';
import { RealWorld } from '../testing/real-world';
import { openLoad } from '../bench/load';
import { claimDeployment } from '../state/leases';
import { getDeployment } from '../services/deployments';
import { controlDeployment } from '../services/control-deployment';
import { createDeployment } from '../services/create-deployment';
import { getAnalysis } from '../services/analysis';
import { getErrorBudget } from '../services/error-budget';
import { updateService } from '../services/services';
import { isAppError } from '../errors/app-error';
import { systemClock } from '../clock';
import { until } from '../testing/until';
import { NotificationDeliverer } from '../notifications/deliver';

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

const leases = new Map<string, NonNullable<Awaited<ReturnType<typeof claimDeployment>>>>();

/** Advance a deployment in real time until `until` holds for it (or it ends). */
async function drive(id: string, until: (d: Awaited<ReturnType<typeof getDeployment>>) => boolean, timeoutMs = 60_000) {
  // Keep the lease across calls: driving the same deployment again continues under it.
  const lease = leases.get(id) ?? (await claimDeployment(tdb.db, id, 'canary-test-worker', Date.now()))!;
  leases.set(id, lease);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const d = await getDeployment(tdb.db, id);
    if (until(d) || ['succeeded', 'failed', 'aborted'].includes(d.state)) return d;
    if (Date.now() > deadline) throw new Error(`deployment ${id} still ${d.state}/${d.phase} after ${timeoutMs} ms`);
    const r = await w.orchestrator.advance(lease);
    if (r.status === 'lost') throw new Error(r.reason);
    if (r.status === 'wait') await new Promise((x) => setTimeout(x, Math.min(r.ms, 50)));
  }
}

async function given(name: string, canaryConfig: Record<string, string>, extra: Record<string, unknown> = {}) {
  await w.service({ name, replicas: 1, ...extra }, [{ version: '1.0.0' }, { version: '2.0.0', config: canaryConfig }]);
  expect((await w.deploy(name, { version: '1.0.0' })).state).toBe('succeeded');
  return w.address(name);
}

async function startCanary(name: string, params: Record<string, unknown>, analysis?: Record<string, unknown>) {
  const r = await createDeployment(w.ctx, name, { version: '2.0.0', strategy: 'canary', params, ...(analysis ? { analysis } : {}) }, 'test@flightdeck');
  if (r.dryRun) throw new Error('dry run');
  return r.deployment.id;
}

function eventAt(events: Array<{ type: string; at: string }>, type: string): number {
  const e = events.find((x) => x.type === type);
  if (!e) throw new Error(`no ${type} event in ${events.map((x) => x.type).join(', ')}`);
  return Date.parse(e.at);
}

describe('canary analysis on real demo-service processes', () => {
  it('a healthy canary promotes only after its full window, with every reading stored and readable', async () => {
    const url = await given('healthy-svc', {});
    const traffic = openLoad(url, { rps: 50, maxMs: 30_000 });
    const id = await startCanary('healthy-svc', { steps: [50], windowSeconds: 4, minSamples: 20 });
    const d = await drive(id, () => false);
    await traffic.stop();
    expect(d.state).toBe('succeeded');
    const events = await w.events(id);
    const passed = events.find((e) => e.type === 'analysis_passed')!;
    expect(eventAt(events, 'analysis_passed') - eventAt(events, 'analysis_started')).toBeGreaterThanOrEqual(4_000);
    expect(passed.data.elapsedSeconds as number).toBeGreaterThanOrEqual(4);
    expect(passed.message).toMatch(/window has elapsed, both cohorts have ≥ 20 requests/);

    const a = await getAnalysis(tdb.db, id, Date.now());
    expect(a.steps).toHaveLength(1);
    const step = a.steps[0]!;
    expect(step.state).toBe('passed');
    expect(step.verdict).toBe('promote');
    expect(step.samples.min).toBe(20);
    expect(step.samples.canary).toBeGreaterThanOrEqual(20);
    expect(step.series.map((s) => s.metric)).toEqual(['error-rate', 'latency-p95']);
    const errorPoints = step.series[0]!.points;
    expect(errorPoints.length).toBeGreaterThan(3);
    // Every evaluation but the last said "pending" (or "no_data" before the first canary request): nothing was promoted early.
    expect(errorPoints.slice(0, -1).map((p) => p.status).filter((s) => s !== 'pending' && s !== 'no_data')).toEqual([]);
    expect(errorPoints.slice(0, -1).every((p) => p.elapsedSeconds < 4)).toBe(true);
    expect(errorPoints.at(-1)!.elapsedSeconds).toBeGreaterThanOrEqual(4);
    expect(errorPoints.at(-1)).toMatchObject({ status: 'pass', canary: 0, baseline: 0 });
  });

  it('5% errors at 50 requests/s aborts before the window ends: traffic to stable, canary stopped, version bad, alert received', async () => {
    const received: Array<{ path: string; body: Record<string, unknown> }> = [];
    const hook = http.createServer((req, res) => {
      let b = '';
      req.on('data', (c: Buffer) => (b += c.toString()));
      req.on('end', () => {
        received.push({ path: req.url ?? '', body: JSON.parse(b) as Record<string, unknown> });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
    const hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}`;
    try {
      const url = await given('payment-gateway', { DEMO_ERROR_RATE: '0.05' }, {
        analysis: { webhooks: [{ url: `${hookUrl}/json` }, { url: `${hookUrl}/slack`, format: 'slack' }] },
      });
      const traffic = openLoad(url, { rps: 50, maxMs: 60_000 });
      const id = await startCanary('payment-gateway', { steps: [50], windowSeconds: 40, minSamples: 100 });
      const d = await drive(id, () => false);
      await traffic.stop();

      expect(d.state).toBe('failed');
      const events = await w.events(id);
      const failed = events.find((e) => e.type === 'analysis_failed')!;
      expect(failed.data).toMatchObject({ verdict: 'abort', metric: 'error-rate' });
      expect(failed.data.elapsedSeconds as number).toBeLessThan(40);
      expect(failed.data.canaryN as number).toBeGreaterThan(0);
      expect(failed.data.pValue as number).toBeLessThan(0.001);
      expect(failed.message).toMatch(/error-rate: canary error rate [\d.]+% vs baseline 0% \(n=\d+ vs \d+, p=\S+\) < 0\.001/);
      expect(d.reason).toMatch(/^canary analysis failed: error-rate/);
      // Traffic back on stable, the canary instance gone, the version marked bad.
      const routes = await w.runtime.getRoutes('payment-gateway');
      const versions = await tdb.db.version.findMany({ where: { service: { name: 'payment-gateway' } } });
      const v2 = versions.find((v) => v.semver === '2.0.0')!;
      const v1 = versions.find((v) => v.semver === '1.0.0')!;
      expect(routes!.versions.filter((v) => v.weight > 0).every((v) => v.versionId === v1.id)).toBe(true);
      expect((await w.runtime.list('payment-gateway')).filter((i) => i.versionId === v2.id && i.state === 'running')).toEqual([]);
      expect(v2.bad).toBe(true);
      expect(v2.badReason).toMatch(/error-rate/);
      // Both webhooks, enqueued with the failure and delivered by the notification tick: our JSON and a Slack-compatible {text, blocks}.
      const deliverer = new NotificationDeliverer({ db: tdb.db, clock: systemClock });
      await until('both webhooks delivered', async () => {
        await deliverer.tick();
        return received.length >= 2;
      });
      const json = received.find((r) => r.path === '/json')!.body;
      const slack = received.find((r) => r.path === '/slack')!.body;
      expect(json).toMatchObject({ event: 'canary_analysis_failed', deploymentId: id, service: 'payment-gateway', version: '2.0.0', baselineVersion: '1.0.0', metric: 'error-rate' });
      expect(json.pValue as number).toBeLessThan(0.001);
      expect(slack.text).toMatch(/Canary of payment-gateway v2\.0\.0 failed analysis and was rolled back to v1\.0\.0: error-rate/);
      expect(Array.isArray(slack.blocks)).toBe(true);
      // Each delivery is on the timeline too.
      const delivered = (await w.events(id)).filter((e) => e.type === 'notification_delivered').map((e) => e.message);
      expect(delivered.sort()).toEqual([`Notified json target ${hookUrl}/… (canary_analysis_failed)`, `Notified slack target ${hookUrl}/… (canary_analysis_failed)`]);
    } finally {
      await new Promise((r) => hook.close(r));
    }
  });

  it('+300 ms latency aborts on the Mann–Whitney test before the window ends', async () => {
    const url = await given('slow-svc', { DEMO_LATENCY_MS: '300' });
    const traffic = openLoad(url, { rps: 50, maxMs: 60_000 });
    const id = await startCanary('slow-svc', { steps: [50], windowSeconds: 40, minSamples: 100 });
    const d = await drive(id, () => false);
    await traffic.stop();
    expect(d.state).toBe('failed');
    const failed = (await w.events(id)).find((e) => e.type === 'analysis_failed')!;
    expect(failed.data).toMatchObject({ metric: 'latency-p95' });
    expect(failed.data.elapsedSeconds as number).toBeLessThan(40);
    expect(failed.message).toMatch(/latency-p95: canary p95 latency \d+(\.\d)? ms vs baseline [\d.]+ ms \(n=\d+ vs \d+, Mann–Whitney p=\S+\) < 0\.001/);
    expect(failed.data.canary as number).toBeGreaterThan(300);
  });

  it('very low traffic ends inconclusive: paused for a person, never promoted', async () => {
    const url = await given('quiet-svc', {});
    const traffic = openLoad(url, { rps: 2, maxMs: 30_000 });
    const id = await startCanary('quiet-svc', { steps: [50], windowSeconds: 3, minSamples: 50 });
    const d = await drive(id, (x) => x.state === 'paused');
    await traffic.stop();
    expect(d.state).toBe('paused');
    const events = await w.events(id);
    expect(events.some((e) => e.type === 'analysis_passed')).toBe(false);
    const inc = events.find((e) => e.type === 'analysis_inconclusive')!;
    expect(inc.message).toMatch(/too few requests \(canary n=\d+ of 50, baseline n=\d+ of 50 required\); not promoting on missing data/);
    const a = await getAnalysis(tdb.db, id, Date.now());
    expect(a.verdict).toMatchObject({ verdict: 'inconclusive' });
    expect(a.steps[0]!.remainingSeconds).toBe(0);
    // Still half the traffic on the canary, waiting for a decision; nothing was promoted.
    const v2 = await tdb.db.version.findFirst({ where: { service: { name: 'quiet-svc' }, semver: '2.0.0' } });
    expect((await w.runtime.getRoutes('quiet-svc'))!.versions.some((v) => v.versionId === v2!.id && v.weight > 0)).toBe(true);

    // A person resumes once traffic is back: a fresh window, and this time enough evidence.
    const busy = openLoad(url, { rps: 50, maxMs: 30_000 });
    await controlDeployment(w.ctx, id, 'resume', {}, 'oncall@x');
    const after = await drive(id, () => false);
    await busy.stop();
    expect(after.state).toBe('succeeded');
    const all = await w.events(id);
    expect(all.filter((e) => e.type === 'analysis_started')).toHaveLength(2);
    expect(all.some((e) => e.type === 'analysis_passed')).toBe(true);
  });

  it('error budget: 99.9% → 43.2 min; a spent budget freezes deploys unless overridden, and the override is recorded', async () => {
    const url = await given('budget-svc', {}, { slo: { availability: 99.9 } });
    const svc = await tdb.db.service.findUniqueOrThrow({ where: { name: 'budget-svc' } });
    const fresh = await getErrorBudget(tdb.db, 'budget-svc', { runtimeFor: () => w.runtime, now: Date.now() });
    const env = await tdb.db.environment.findFirstOrThrow({ orderBy: { order: 'asc' } });
    expect(fresh).toMatchObject({ budgetMinutes: 43.2, spentMinutes: 0, exhausted: false, frozen: false });
    void url;
    // 50 minutes of total failure, recorded as the router would have seen them.
    const now = Date.now();
    await tdb.db.trafficMinute.createMany({
      data: Array.from({ length: 50 }, (_, i) => ({ serviceId: svc.id, environmentId: env.id, minute: new Date(Math.floor(now / 60_000) * 60_000 - (i + 20) * 60_000), requests: 100, errors: 100 })),
    });
    await updateService(tdb.db, 'budget-svc', { budgetFreeze: true }, 'test@flightdeck');
    const spent = await getErrorBudget(tdb.db, 'budget-svc', { now: Date.now() });
    expect(spent).toMatchObject({ spentMinutes: 50, exhausted: true, frozen: true });
    expect(spent.leftMinutes).toBeCloseTo(-6.8, 6);

    const refused = await createDeployment(w.ctx, 'budget-svc', { version: '2.0.0', strategy: 'canary' }, 'dev@x').catch((e: unknown) => e);
    expect(isAppError(refused) && refused.code).toBe('conflict');
    expect((refused as Error).message).toMatch(/^error budget gate: the error budget of budget-svc in production is spent \(50 of 43\.2 min spent over 30 days \(SLO 99\.9%\)\); deploys are frozen/);
    expect(await tdb.db.deployment.count({ where: { serviceId: svc.id, toVersion: { semver: '2.0.0' } } })).toBe(0);

    // Like every gate, it takes an override with a reason.
    const bare = await createDeployment(w.ctx, 'budget-svc', { version: '2.0.0', strategy: 'canary', override: true }, 'admin@x').catch((e: unknown) => e);
    expect((bare as Error).message).toMatch(/^override: an override needs a reason/);
    const r = await createDeployment(w.ctx, 'budget-svc', { version: '2.0.0', strategy: 'canary', override: { reason: 'fix for the errors that spent it' } }, 'admin@x');
    if (r.dryRun) throw new Error('dry run');
    const events = await w.events(r.deployment.id);
    const o = events.find((e) => e.type === 'gate_overridden')!;
    expect(o.actor).toBe('admin@x');
    expect(o.message).toMatch(/^error budget gate overridden by admin@x \(fix for the errors that spent it\): the error budget of budget-svc in production is spent \(50 of 43\.2 min spent/);
    await tdb.db.deployment.update({ where: { id: r.deployment.id }, data: { control: { abort: { actor: 'test', reason: 'cleanup', markBad: false, at: Date.now() } } } });
    await drive(r.deployment.id, () => false);
  });
});
