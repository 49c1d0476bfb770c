/**
 * PostgreSQL killed mid-deployment, as the db-outage test and benchmark stage it: a supervised
 * embedded cluster of its own (never the suite's shared one), a Flightdeck node on it (worker,
 * live feed, the REST API's real route handlers), the local runtime in this process with real
 * instances behind its router and steady load through that router. The postmaster is SIGKILLed
 * `kills` times while a rolling deployment runs; everything is measured on the way.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { startEmbeddedPostgres, withDatabase } from '../db/embedded';
import { migrate } from '../db/migrate';
import { startNode } from '../server/node';
import { LocalRuntime } from '../runtime/local/local-runtime';
import { setRuntime } from '../runtime/registry';
import { checkHealth } from '../services/context';
import { getDeployment } from '../services/deployments';
import { createDeployment } from '../services/create-deployment';
import { createService } from '../services/services';
import { createVersion } from '../services/versions';
import { readEvents } from '../events/read';
import { apiRequestHandler } from './api-server';
import { createTestToken } from './auth';
import { load, ROOT } from './real-world';
import { until } from './until';

const ACTOR = 'outage@flightdeck';
const TERMINAL = ['succeeded', 'failed', 'aborted'];

export interface OutageReport {
  /** Per outage: seconds from the SIGKILL until PostgreSQL accepted connections again. */
  secondsDown: number[];
  /** Per outage: seconds from PostgreSQL being back until the application's health check passed. */
  secondsToHealthy: number[];
  /** API answers while PostgreSQL was down (status and body). */
  apiWhileDown: Array<{ status: number; body: unknown }>;
  deploymentState: string;
  eventSeqs: number[];
  requests: number;
  failedRequests: number;
  /** Connections LISTENing per channel, before the first outage and after the last. */
  listenersBefore: Record<string, number>;
  listenersAfter: Record<string, number>;
  /** What the supervisor, the node and the API logged. */
  supervisorLines: string[];
  nodeLines: string[];
  apiErrors: string[];
  /** Milliseconds node.close() + cluster.stop() took with PostgreSQL just killed. */
  shutdownMs: number;
}

async function listeners(url: string): Promise<Record<string, number>> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const { rows } = await c.query<{ query: string; n: string }>(
      `SELECT query, count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN %' GROUP BY query`,
    );
    return Object.fromEntries(rows.map((r) => [r.query.replace(/^LISTEN\s+/, '').replaceAll('"', ''), Number(r.n)]));
  } finally {
    await c.end();
  }
}

export async function dbOutage(opts: { kills: number }): Promise<OutageReport> {
  const dir = mkdtempSync(path.join(tmpdir(), 'fd-outage-'));
  const supervisorLines: string[] = [];
  const nodeLines: string[] = [];
  const apiErrors: string[] = [];
  let backAt = 0;
  const cluster = await startEmbeddedPostgres({
    dataDir: path.join(dir, 'pg'),
    notify: (m) => {
      supervisorLines.push(m);
      if (/is back/.test(m)) backAt = Date.now();
    },
  });
  const admin = new pg.Client({ connectionString: cluster.url });
  await admin.connect();
  await admin.query('CREATE DATABASE flightdeck');
  await admin.end();
  const url = withDatabase(cluster.url, 'flightdeck');
  await migrate(url);
  const previousUrl = process.env.DATABASE_URL;
  process.env.DATABASE_URL = url; // the route handlers' pool
  const runtime = new LocalRuntime({ stateDir: path.join(dir, 'runtime'), baseDir: ROOT, routerBasePort: 0 });
  setRuntime(runtime);
  const originalError = console.error;
  console.error = (...args: unknown[]) => {
    apiErrors.push(args.map(String).join(' '));
    originalError(...args);
  };
  const node = await startNode({ databaseUrl: url, runtime, port: 0, hostname: '127.0.0.1', requestHandler: apiRequestHandler, pollMs: 200, log: (m) => nodeLines.push(m) });
  let closed = false;
  try {
    const db = node.db;
    await createService(db, { name: 'outage-svc', replicas: 2, template: { command: 'node', args: ['lib/runtime/demo/service.mjs'] }, health: { intervalSeconds: 0.2, timeoutSeconds: 1, gracePeriodSeconds: 10 } }, ACTOR);
    await createVersion(db, 'outage-svc', { version: '1.0.0' }, ACTOR);
    await createVersion(db, 'outage-svc', { version: '2.0.0', config: { DEMO_WARMUP_SECONDS: '2' } }, ACTOR);
    const token = await createTestToken(db, 'viewer');
    const deploy = async (version: string) => {
      const r = await createDeployment({ db }, 'outage-svc', { version, strategy: 'rolling' }, ACTOR);
      if (r.dryRun) throw new Error('unexpected dry run');
      return r.deployment.id;
    };
    const first = await deploy('1.0.0');
    await until('the first version to be live', async () => TERMINAL.includes((await getDeployment(db, first)).state), 60_000);
    const traffic = load(await runtime.serviceAddress('outage-svc'), { concurrency: 4, maxMs: 120_000 });
    await until('steady traffic', () => traffic.samples.length > 50);
    const listenersBefore = await until('both channels listened to', async () => {
      const l = await listeners(url);
      return Object.keys(l).length >= 2 && l;
    });

    const id = await deploy('2.0.0');
    await until('the rollout to start instances', async () => (await readEvents(db, id)).some((e) => e.type === 'instances_started'), 60_000);
    const secondsDown: number[] = [];
    const secondsToHealthy: number[] = [];
    const apiWhileDown: OutageReport['apiWhileDown'] = [];
    for (let k = 0; k < opts.kills; k++) {
      const pid = cluster.pid();
      if (!pid) throw new Error('PostgreSQL is not running');
      backAt = 0;
      const killedAt = Date.now();
      process.kill(pid, 'SIGKILL');
      // The API while the database is away: the error shape with 503, promptly.
      const res = await fetch(`${node.url}/api/v1/services`, { headers: { authorization: `Bearer ${token}` } });
      apiWhileDown.push({ status: res.status, body: await res.json() });
      await until('PostgreSQL to be back', () => backAt > 0 && cluster.pid() !== null && cluster.pid() !== pid, 60_000);
      secondsDown.push((backAt - killedAt) / 1000);
      await until('the application to be healthy', async () => (await checkHealth()).status === 'ok', { timeoutMs: 30_000, everyMs: 20 });
      secondsToHealthy.push((Date.now() - backAt) / 1000);
    }
    const done = await until('the deployment to finish', async () => {
      const d = await getDeployment(db, id);
      return TERMINAL.includes(d.state) && d;
    }, 120_000);
    const listenersAfter = await until('the channels listened to again', async () => {
      const l = await listeners(url);
      return Object.keys(listenersBefore).every((ch) => (l[ch] ?? 0) >= 1) && l;
    });
    const samples = await traffic.stop();
    const eventSeqs = (await readEvents(db, id)).map((e) => e.seq);

    // Shutdown with PostgreSQL just killed: prompt.
    const pid = cluster.pid()!;
    process.kill(pid, 'SIGKILL');
    const t = Date.now();
    closed = true;
    await node.close({ abandon: true });
    await cluster.stop();
    const shutdownMs = Date.now() - t;
    return {
      secondsDown,
      secondsToHealthy,
      apiWhileDown,
      deploymentState: done.state,
      eventSeqs,
      requests: samples.length,
      failedRequests: samples.filter((s) => s.status !== 200).length,
      listenersBefore,
      listenersAfter,
      supervisorLines,
      nodeLines,
      apiErrors,
      shutdownMs,
    };
  } finally {
    console.error = originalError;
    if (!closed) await node.close({ abandon: true }).catch(() => {});
    await runtime.close();
    await cluster.stop();
    if (previousUrl === undefined) delete process.env.DATABASE_URL;
    else process.env.DATABASE_URL = previousUrl;
    rmSync(dir, { recursive: true, force: true });
  }
}
