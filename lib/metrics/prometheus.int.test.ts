/**
 * The Prometheus provider against a REAL Prometheus (Debian's `prometheus`, started here on a
 * free loopback port with a temporary config) scraping the local runtime's router metrics
 * (/metrics), while a real canary of demo-service processes takes real traffic.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createTestDatabase, type TestDatabase } from '../testing/db';
import { RealWorld } from '../testing/real-world';
import { until } from '../testing/until';
import { openLoad } from '../bench/load';
import { freePort } from '../db/embedded';
import { serveRuntime } from '../runtime/rpc';
import { claimDeployment } from '../state/leases';
import { getDeployment } from '../services/deployments';
import { createDeployment } from '../services/create-deployment';
import { getAnalysis } from '../services/analysis';
import { promQuery } from '.';

const PROMETHEUS = process.env.PROMETHEUS_BIN ?? '/usr/bin/prometheus';

let tdb: TestDatabase;
let w: RealWorld;
let prom: ChildProcess;
let promUrl: string;
let dir: string;
let metricsServer: { url: string; close(): Promise<void> };

beforeAll(async () => {
  tdb = await createTestDatabase();
  w = new RealWorld(tdb.db);
  metricsServer = await serveRuntime(w.runtime);
  dir = mkdtempSync(path.join(tmpdir(), 'fd-prometheus-'));
  const port = await freePort();
  promUrl = `http://127.0.0.1:${port}`;
  const target = new URL(metricsServer.url).host;
  writeFileSync(
    path.join(dir, 'prometheus.yml'),
    `global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n  - job_name: flightdeck\n    scrape_interval: 1s\n    static_configs:\n      - targets: ['${target}']\n`,
  );
  prom = spawn(PROMETHEUS, [`--config.file=${path.join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${path.join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`], {
    stdio: 'ignore',
  });
  await until('prometheus ready', async () => (await fetch(`${promUrl}/-/ready`)).ok, { tolerateErrors: true });
}, 60_000);

afterAll(async () => {
  prom?.kill('SIGTERM');
  await metricsServer?.close();
  await w?.close();
  await tdb?.drop();
  rmSync(dir, { recursive: true, force: true });
});

async function drive(id: string, timeoutMs = 60_000) {
  const lease = (await claimDeployment(tdb.db, id, 'prom-test-worker', Date.now()))!;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await w.orchestrator.advance(lease);
    if (r.status === 'done' || r.status === 'lost') return getDeployment(tdb.db, id);
    if (Date.now() > deadline) throw new Error(`deployment ${id} did not finish`);
    if (r.status === 'wait') await new Promise((x) => setTimeout(x, Math.min(r.ms, 50)));
  }
}

/** Share of 5xx over the last 20 s for one version, straight from the router's counters. */
const ERROR_RATE_QUERY =
  '(sum(increase(flightdeck_requests_total{service="{{service}}",version="{{versionId}}",code_class="5xx"}[20s])) or vector(0))' +
  ' / sum(increase(flightdeck_requests_total{service="{{service}}",version="{{versionId}}"}[20s]))';

describe('Prometheus provider against a real Prometheus', () => {
  it('aborts a 20%-error canary on PromQL readings, promotes a healthy one after its window, and reads no series as no data', async () => {
    await w.service({ name: 'prom-svc', replicas: 1 }, [{ version: '1.0.0' }, { version: '2.0.0', config: { DEMO_ERROR_RATE: '0.2' } }, { version: '3.0.0' }]);
    expect((await w.deploy('prom-svc', { version: '1.0.0' })).state).toBe('succeeded');
    const url = await w.address('prom-svc');
    const traffic = openLoad(url, { rps: 40, maxMs: 120_000 });
    try {
      const analysis = {
        intervalSeconds: 1,
        metrics: [{ name: 'prom-error-rate', kind: 'error_rate', provider: 'prometheus', address: promUrl, query: ERROR_RATE_QUERY, threshold: 0.05 }],
      };
      // The baseline's series must exist in Prometheus before analysis starts.
      const v1 = await tdb.db.version.findFirstOrThrow({ where: { service: { name: 'prom-svc' }, semver: '1.0.0' } });
      await until('baseline scraped', () =>
        promQuery(promUrl, `sum(flightdeck_requests_total{service="prom-svc",version="${v1.id}"})`, Date.now()).then((v) => v !== null && v > 0),
        { tolerateErrors: true },
      );

      const bad = await createDeployment(w.ctx, 'prom-svc', { version: '2.0.0', strategy: 'canary', params: { steps: [50], windowSeconds: 40, minSamples: 20 }, analysis }, 'test');
      if (bad.dryRun) throw new Error('dry run');
      const failed = await drive(bad.deployment.id);
      expect(failed.state).toBe('failed');
      const ev = (await w.events(bad.deployment.id)).find((e) => e.type === 'analysis_failed')!;
      expect(ev.data).toMatchObject({ metric: 'prom-error-rate' });
      expect(ev.data.canary as number).toBeGreaterThan(0.05);
      expect(ev.data.canary as number).toBeLessThan(0.5);
      expect(ev.data.elapsedSeconds as number).toBeLessThan(40);
      expect(ev.message).toMatch(/prom-error-rate: canary error rate [\d.]+% vs baseline 0%; the canary is past the 5% threshold on \d+ evaluations in a row/);

      const good = await createDeployment(w.ctx, 'prom-svc', { version: '3.0.0', strategy: 'canary', params: { steps: [50], windowSeconds: 6, minSamples: 20 }, analysis }, 'test');
      if (good.dryRun) throw new Error('dry run');
      const ok = await drive(good.deployment.id);
      expect(ok.state).toBe('succeeded');
      const a = await getAnalysis(tdb.db, good.deployment.id, Date.now());
      const points = a.steps[0]!.series[0]!.points;
      expect(points.at(-1)).toMatchObject({ status: 'pass', canary: 0, baseline: 0 });
      expect(points.at(-1)!.elapsedSeconds).toBeGreaterThanOrEqual(6);

      // A query matching no series is no data, not zero.
      expect(await promQuery(promUrl, 'flightdeck_requests_total{service="no-such-service"}', Date.now())).toBeNull();
    } finally {
      await traffic.stop();
    }
  });
});
