/**
 * Control-plane metrics on a real database: deployments by state and strategy and leases
 * with holder and age read at scrape time; finished deployments, verdicts and takeovers
 * tailed from the event log (each event counted once, history before the start not at all);
 * HTTP exchanges timed by the edge under their route pattern; one registry per process,
 * whichever bundle's copy of this module writes or reads it.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createTestDatabase, type TestDatabase } from '../testing/db';
import { createTestToken } from '../testing/auth';
import { World } from '../testing/fixtures';
import { appendEvents } from '../events/append';
import { withEdge } from '../api/edge';
import { controlPlaneMetricsText, observeEventEmitLag, observeHttp, observeStep, startControlPlaneMetrics } from './metrics';
import * as metricsRoute from '@/app/metrics/route';

let tdb: TestDatabase;
let w: World;
const saved = process.env.DATABASE_URL;

beforeAll(async () => {
  tdb = await createTestDatabase();
  process.env.DATABASE_URL = tdb.url;
  w = new World(tdb.db);
  await w.service({ name: 'pay', replicas: 2 }, ['1.0.0', '1.1.0']);
  // History before the metrics start is not counted as if it had just happened.
  await w.deploy('pay', { version: '1.0.0' });
  await startControlPlaneMetrics(tdb.db);
});
afterAll(async () => {
  process.env.DATABASE_URL = saved;
  await tdb?.drop();
});

/** One sample's value from the exposition, or undefined. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const m = /^[^{ ]+(?:\{(.*)\})? (\S+)$/.exec(line);
    const have = Object.fromEntries([...(m?.[1] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(m![2]);
  }
  return undefined;
}
const scrape = async () => (await controlPlaneMetricsText(tdb.db)).text;

describe('control-plane metrics', () => {
  it('deployments by state and strategy, leases with holder and age, durations of deployments that end', async () => {
    const before = await scrape();
    expect(sample(before, 'flightdeck_deployments', { state: 'succeeded', strategy: 'rolling', environment: 'production' })).toBe(1);
    expect(sample(before, 'flightdeck_deployment_duration_seconds_count', { strategy: 'rolling', outcome: 'succeeded' })).toBeUndefined();

    const { id, lease } = await w.start('pay', { version: '1.1.0', strategy: 'blue-green' }, 'worker-a');
    const during = await scrape();
    expect(sample(during, 'flightdeck_leases_held', { holder: 'worker-a' })).toBe(1);
    expect(sample(during, 'flightdeck_lease_age_seconds', { service: 'pay', environment: 'production', holder: 'worker-a' })).toBeGreaterThanOrEqual(0);
    expect(sample(during, 'flightdeck_lease_heartbeat_age_seconds', { service: 'pay', environment: 'production', holder: 'worker-a' })).toBeGreaterThanOrEqual(0);

    await w.run(lease);
    const after = await scrape();
    expect((await tdb.db.deployment.findUniqueOrThrow({ where: { id } })).state).toBe('succeeded');
    expect(sample(after, 'flightdeck_deployments', { state: 'succeeded', strategy: 'blue-green', environment: 'production' })).toBe(1);
    expect(sample(after, 'flightdeck_deployment_duration_seconds_count', { strategy: 'blue-green', outcome: 'succeeded' })).toBe(1);
    expect(sample(after, 'flightdeck_leases_held', { holder: 'worker-a' })).toBeUndefined();
    // Scraped again: nothing counted twice.
    expect(sample(await scrape(), 'flightdeck_deployment_duration_seconds_count', { strategy: 'blue-green', outcome: 'succeeded' })).toBe(1);
  });

  it('analysis verdicts and takeovers from the event log, each counted once however many scrape at once', async () => {
    const d = await tdb.db.deployment.findFirstOrThrow({ orderBy: { createdAt: 'desc' } });
    const base = await scrape();
    const count = (text: string, name: string, labels: Record<string, string>) => sample(text, name, labels) ?? 0;
    await tdb.db.$transaction((tx) =>
      appendEvents(
        tx,
        d.id,
        [
          { type: 'analysis_failed', message: 'x' },
          { type: 'analysis_inconclusive', message: 'x' },
          { type: 'analysis_passed', message: 'x' },
          { type: 'analysis_passed', message: 'x' },
          { type: 'worker_took_over', message: 'x' },
          { type: 'lease_broken', message: 'x' },
        ],
        'test',
        new Date(),
      ),
    );
    const [a, b] = await Promise.all([scrape(), scrape()]);
    for (const text of [a, b]) {
      expect(count(text, 'flightdeck_analysis_verdicts_total', { verdict: 'pass' }) - count(base, 'flightdeck_analysis_verdicts_total', { verdict: 'pass' })).toBe(2);
      expect(count(text, 'flightdeck_analysis_verdicts_total', { verdict: 'fail' }) - count(base, 'flightdeck_analysis_verdicts_total', { verdict: 'fail' })).toBe(1);
      expect(count(text, 'flightdeck_analysis_verdicts_total', { verdict: 'inconclusive' }) - count(base, 'flightdeck_analysis_verdicts_total', { verdict: 'inconclusive' })).toBe(1);
      expect(count(text, 'flightdeck_lease_takeovers_total', { kind: 'expired' }) - count(base, 'flightdeck_lease_takeovers_total', { kind: 'expired' })).toBe(1);
      expect(count(text, 'flightdeck_lease_takeovers_total', { kind: 'broken' }) - count(base, 'flightdeck_lease_takeovers_total', { kind: 'broken' })).toBe(1);
    }
  });

  it('HTTP exchanges are timed by the edge under their route pattern and status, never the raw path', async () => {
    const server = http.createServer(withEdge((_req, res) => res.writeHead(200).end('ok'), { observe: observeHttp }));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const { port } = server.address() as AddressInfo;
    try {
      await fetch(`http://127.0.0.1:${port}/api/v1/services/some-secret-name`);
      await fetch(`http://127.0.0.1:${port}/api/v1/services/%ff`);
      await fetch(`http://127.0.0.1:${port}/api/v1/services`, { method: 'PUT' });
    } finally {
      server.close();
    }
    const text = await scrape();
    expect(sample(text, 'flightdeck_http_request_duration_seconds_count', { method: 'GET', route: '/api/v1/services/{name}', status: '200' })).toBe(1);
    expect(sample(text, 'flightdeck_http_request_duration_seconds_count', { method: 'GET', route: 'unmatched', status: '400' })).toBe(1);
    expect(sample(text, 'flightdeck_http_request_duration_seconds_count', { method: 'PUT', route: '/api/v1/services', status: '405' })).toBe(1);
    expect(text).not.toMatch(/some-secret-name/);
  });

  it('one registry per process: a second copy of the module (another bundle) reports into the same one', async () => {
    vi.resetModules();
    const other = await import('./metrics');
    other.observeStep('analysis', 42);
    observeStep('analysis', 8);
    observeEventEmitLag(0.05);
    const text = await scrape();
    expect(sample(text, 'flightdeck_step_duration_seconds_count', { kind: 'analysis' })).toBe(2);
    expect(sample(text, 'flightdeck_step_duration_seconds_sum', { kind: 'analysis' })).toBe(50);
    expect(sample(text, 'flightdeck_event_emit_lag_seconds_count')).toBe(1);
    expect(sample((await other.controlPlaneMetricsText(tdb.db)).text, 'flightdeck_step_duration_seconds_count', { kind: 'analysis' })).toBe(2);
  });

  it('GET /metrics (viewers) serves the runtimes’ request metrics and the control plane’s, with process metrics', async () => {
    const token = await createTestToken(tdb.db, 'viewer');
    const res = await metricsRoute.GET(new Request('http://localhost/metrics', { headers: { authorization: `Bearer ${token}` } }), { params: Promise.resolve({}) } as never);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    for (const family of ['flightdeck_deployments', 'flightdeck_deployment_duration_seconds', 'flightdeck_step_duration_seconds', 'flightdeck_leases_held', 'flightdeck_lease_age_seconds', 'flightdeck_lease_takeovers_total', 'flightdeck_event_emit_lag_seconds', 'flightdeck_analysis_verdicts_total', 'flightdeck_worker_loop_lag_seconds', 'flightdeck_http_request_duration_seconds', 'process_cpu_seconds_total', 'nodejs_eventloop_lag_seconds']) {
      expect(text, family).toMatch(new RegExp(`^# TYPE ${family} `, 'm'));
    }
    // Every family once: the runtime's and the control plane's names never collide.
    const types = text.split('\n').filter((l) => l.startsWith('# TYPE '));
    expect(new Set(types).size).toBe(types.length);
  });
});
