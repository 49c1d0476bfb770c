/**
 * `npm run bench`: every benchmark, one JSON object per line, each with a "bench" field.
 * Loopback only; every loop is bounded in count and time. Uses a throwaway embedded
 * PostgreSQL, never the user's database.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { startEmbeddedPostgres, withDatabase } from '../db/embedded';
import { migrate } from '../db/migrate';
import { createDb } from '../db/client';
import { planDeployment } from '../engine';
import type { StrategyName } from '../engine/types';
import { appendEvents } from '../events/append';
import { World } from '../testing/fixtures';
import { runtimeBenchmarks } from './runtime-bench';
import { canaryBenchmarks } from './canary-bench';
import { dbOutageBenchmark, feedFanoutBenchmark, takeoverBenchmark } from './ops-bench';
import { scaleBenchmark } from './scale-bench';
import { fleetBenchmarks } from './fleet-bench';

function emit(line: Record<string, unknown>) {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

const round = (n: number, d = 2) => Math.round(n * 10 ** d) / 10 ** d;

/** Pure planning speed per strategy (the engine runs on every API dry run). */
function benchPlanning() {
  const params: Record<StrategyName, Record<string, unknown>> = {
    rolling: { maxSurge: '25%', maxUnavailable: '10%' },
    'blue-green': { scaleDownDelaySeconds: 30 },
    canary: { steps: [5, 10, 25, 50, 75] },
    recreate: {},
  };
  for (const strategy of Object.keys(params) as StrategyName[]) {
    const hooks = { pre: [{ name: 'migrate', type: 'command' as const, command: 'true' }], post: [] };
    let n = 0;
    const start = performance.now();
    while (performance.now() - start < 500 && n < 200_000) {
      planDeployment({ strategy, params: params[strategy]!, replicas: 100, hasOld: true, hooks });
      n++;
    }
    const s = (performance.now() - start) / 1000;
    emit({ bench: 'engine-plan', strategy, replicas: 100, plans: n, plans_per_s: Math.round(n / s) });
  }
}

async function benchEvents(url: string) {
  const db = createDb(url, { max: 8 });
  const w = new World(db);
  await w.service({ name: 'bench-events' }, ['1.0.0']);
  const { id } = await w.start('bench-events', { version: '1.0.0' });
  for (const concurrency of [1, 4]) {
    const latencies: number[] = [];
    const deadline = performance.now() + 5_000;
    const perWorker = 500;
    const start = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        for (let i = 0; i < perWorker && performance.now() < deadline; i++) {
          const t = performance.now();
          await db.$transaction((tx) => appendEvents(tx, id, [{ type: 'bench', message: 'x' }], 'bench', new Date()));
          latencies.push(performance.now() - t);
        }
      }),
    );
    const s = (performance.now() - start) / 1000;
    latencies.sort((a, b) => a - b);
    emit({
      bench: 'event-append',
      concurrency,
      events: latencies.length,
      per_s: Math.round(latencies.length / s),
      p50_ms: round(percentile(latencies, 50)),
      p99_ms: round(percentile(latencies, 99)),
    });
  }
  const seqs = await db.event.findMany({ where: { deploymentId: id }, select: { seq: true }, orderBy: { seq: 'asc' } });
  emit({ bench: 'event-append-gapless', events: seqs.length, gapless: seqs.every((e, i) => e.seq === i + 1) });
  await db.$disconnect();
}

/** Whole deployments through the orchestrator (FakeRuntime, ManualClock): control-plane cost. */
async function benchOrchestrator(url: string) {
  const db = createDb(url, { max: 4 });
  const w = new World(db);
  for (const strategy of ['rolling', 'blue-green', 'canary', 'recreate'] as StrategyName[]) {
    const name = `bench-${strategy}`;
    const versions = Array.from({ length: 21 }, (_, i) => `1.0.${i}`);
    await w.service({ name, replicas: 3 }, versions);
    w.runtime.setLoad(name, 200);
    await w.deploy(name, { version: versions[0] });
    const times: number[] = [];
    const deadline = performance.now() + 15_000;
    for (let i = 1; i < versions.length && performance.now() < deadline; i++) {
      const t = performance.now();
      const d = await w.deploy(name, { version: versions[i], strategy, params: strategy === 'canary' ? { steps: [50], minSamples: 10, windowSeconds: 60 } : strategy === 'blue-green' ? { scaleDownDelaySeconds: 0 } : {} });
      if (d.state !== 'succeeded') throw new Error(`${strategy} deployment ${d.id} ended ${d.state}`);
      times.push(performance.now() - t);
    }
    times.sort((a, b) => a - b);
    const events = await db.event.count({ where: { deployment: { service: { name } } } });
    emit({
      bench: 'orchestrator-deployment',
      strategy,
      replicas: 3,
      deployments: times.length,
      p50_ms: round(percentile(times, 50)),
      p99_ms: round(percentile(times, 99)),
      events_per_deployment: Math.round(events / (times.length + 1)),
    });
  }
  await db.$disconnect();
}

async function main() {
  // BENCH_ONLY=a,b runs only those benches (by their "bench" name); the database starts only if one needs it.
  const only = process.env.BENCH_ONLY?.split(',');
  const want = (name: string) => !only || only.includes(name);
  if (want('engine-plan')) benchPlanning();
  await canaryBenchmarks(emit);
  const runtimeBenches = ['zero-downtime', 'router-overhead', 'control-plane-restart', 'rollback-latency', 'release-rollback'];
  const fleetBenches = ['fleet-zero-downtime', 'host-loss', 'edge-overhead'];
  const withRuntime = !process.argv.includes('--no-runtime');
  // Its own PostgreSQL, killed and restarted: never the shared bench cluster.
  if (withRuntime && want('db-outage')) await dbOutageBenchmark(emit);
  const opsBenches = ['feed-fanout', 'takeover', 'scale'];
  const needDb = want('event-append') || want('orchestrator-deployment') || opsBenches.some(want) || (withRuntime && [...runtimeBenches, ...fleetBenches].some(want));
  if (!needDb) return;
  const dir = mkdtempSync(path.join(tmpdir(), 'flightdeck-bench-'));
  const cluster = await startEmbeddedPostgres({ dataDir: path.join(dir, 'data') });
  try {
    const admin = new pg.Client({ connectionString: cluster.url });
    await admin.connect();
    await admin.query('CREATE DATABASE bench');
    await admin.end();
    const url = withDatabase(cluster.url, 'bench');
    await migrate(url);
    if (want('event-append')) await benchEvents(url);
    if (want('orchestrator-deployment')) await benchOrchestrator(url);
    if (withRuntime && runtimeBenches.some(want)) await runtimeBenchmarks(url, emit);
    if (withRuntime && fleetBenches.some(want)) await fleetBenchmarks(url, emit, want);
    // Each on a database of its own in the same cluster.
    const fresh = async (name: string) => {
      const a = new pg.Client({ connectionString: cluster.url });
      await a.connect();
      await a.query(`CREATE DATABASE ${name}`);
      await a.end();
      const u = withDatabase(cluster.url, name);
      await migrate(u);
      return u;
    };
    if (want('feed-fanout')) await feedFanoutBenchmark(await fresh('bench_feed'), emit);
    if (want('takeover')) await takeoverBenchmark(await fresh('bench_takeover'), emit);
    // Last: it seeds 21.6 million traffic minutes (several minutes, a few GB in the throwaway cluster).
    if (want('scale')) await scaleBenchmark(await fresh('bench_scale'), emit);
  } finally {
    await cluster.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
