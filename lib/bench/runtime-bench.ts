/**
 * Benchmarks of the local runtime on real processes, loopback only, each bounded in time:
 *  - zero-downtime: constant load on a 3-replica demo service while deploying a healthy
 *    version with each strategy;
 *  - router-overhead: the same load through the router and straight to an instance;
 *  - control-plane-restart: a Flightdeck process killed and restarted mid-deployment
 *    under load;
 *  - rollback-latency: from the rollback request's commit to 100 % of traffic on the good
 *    version, for blue-green (inside its scale-down delay) and an unfinished canary — and, in
 *    rollback-bench.ts, after a rolling or canary deployment succeeded (the warm window), with
 *    release-rollback (a five-service release rolled back under load).
 * The runtime agent runs in its own process, as in production, so the load generator does
 * not share its event loop.
 */
import { until } from '../testing/until';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { systemClock } from '../clock';
import { createDb } from '../db/client';
import { Worker } from '../deploy/worker';
import { connectLocalRuntime } from '../runtime/local/connect';
import type { RemoteRuntime } from '../runtime/rpc';
import { rollbackService } from '../services/rollback';
import { getDeployment } from '../services/deployments';
import { createDeployment } from '../services/create-deployment';
import { readEvents } from '../events/read';
import { RealWorld, ROOT } from '../testing/real-world';
import { openLoad, summarize } from './load';
import { releaseRollback, rollbackAfterSuccess } from './rollback-bench';

type Emit = (line: Record<string, unknown>) => void;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));


export async function runtimeBenchmarks(databaseUrl: string, emit: Emit): Promise<void> {
  const stateDir = mkdtempSync(path.join(tmpdir(), 'fd-bench-runtime-'));
  const { runtime, agent, token } = await connectLocalRuntime({ stateDir, baseDir: ROOT, env: { FLIGHTDECK_ROUTER_BASE_PORT: '4600' } });
  const db = createDb(databaseUrl, { max: 8 });
  const w = new RealWorld<RemoteRuntime>(db, runtime);
  const only = process.env.BENCH_ONLY?.split(',');
  const want = (name: string) => !only || only.includes(name);
  try {
    if (want('zero-downtime')) await zeroDowntime(w, emit);
    if (want('router-overhead')) await routerOverhead(w, emit);
    if (want('control-plane-restart')) await controlPlaneRestart(w, databaseUrl, agent.url, token, emit);
    if (want('rollback-latency')) {
      await rollbackLatency(w, databaseUrl, emit);
      await rollbackAfterSuccess(w, databaseUrl, emit);
    }
    if (want('release-rollback')) await releaseRollback(w, databaseUrl, emit);
  } finally {
    process.kill(agent.pid, 'SIGTERM');
    await db.$disconnect();
  }
}

const RPS = 500;

async function zeroDowntime(w: RealWorld<RemoteRuntime>, emit: Emit) {
  const params: Record<string, Record<string, unknown>> = {
    rolling: { batchSize: 1 },
    'blue-green': { scaleDownDelaySeconds: 1 },
    canary: { steps: [25, 50], windowSeconds: 3, minSamples: 50 },
    recreate: {},
  };
  for (const strategy of Object.keys(params)) {
    const name = `zd-${strategy}`;
    await w.service({ name, replicas: 3 }, [{ version: '1.0.0' }, { version: '1.1.0' }]);
    await w.deploy(name, { version: '1.0.0' });
    const url = await w.address(name);
    const load = openLoad(url, { rps: RPS, maxMs: 60_000 });
    await sleep(3_000);
    const deployFrom = Date.now();
    const d = await w.deploy(name, { version: '1.1.0', strategy, params: params[strategy] });
    const deployTo = Date.now();
    await sleep(500);
    const shots = await load.stop();
    if (d.state !== 'succeeded') throw new Error(`zero-downtime ${strategy}: deployment ${d.state}`);
    const before = summarize(shots, -Infinity, deployFrom);
    const during = summarize(shots, deployFrom, deployTo);
    const all = summarize(shots);
    const down = shots.filter((s) => s.status < 200 || s.status >= 300);
    emit({
      bench: 'zero-downtime',
      strategy,
      replicas: 3,
      rps: all.rps,
      requests: all.requests,
      failed: all.failed,
      p99_ms_before: before.p99,
      p99_ms_during: during.p99,
      duration_s: Math.round((deployTo - deployFrom) / 100) / 10,
      ...(strategy === 'recreate' ? { downtime_ms: down.length ? Math.max(...down.map((s) => s.start)) - Math.min(...down.map((s) => s.start)) : 0 } : {}),
    });
  }
}

async function routerOverhead(w: RealWorld<RemoteRuntime>, emit: Emit) {
  const name = 'overhead';
  await w.service({ name, replicas: 1 }, [{ version: '1.0.0' }]);
  await w.deploy(name, { version: '1.0.0' });
  const inst = (await w.runtime.list(name)).find((i) => i.state === 'running')!;
  const routedUrl = await w.address(name);
  const rps = 1000;
  const hey = heyPath();
  if (!hey) {
    emit({ bench: 'router-overhead', skipped: 'needs the `hey` load generator (apt-get install hey): a Node generator in this process adds more jitter than the router' });
    return;
  }
  // `hey` (Go, its own process) sends 1000 requests/s in 1.5 s phases that alternate
  // between the instance and the router, so both see the same load and the same seconds of
  // this VM's scheduling noise. Every request's latency is kept (CSV), not a summary.
  const phase = async (url: string, seconds: number) => runHey(hey, url, rps, seconds);
  await phase(inst.address!, 1);
  await phase(routedUrl, 1);
  const direct: number[] = [];
  const routed: number[] = [];
  let failed = 0;
  for (let round = 0; round < 6; round++) {
    for (const [url, into] of [[inst.address!, direct], [routedUrl, routed]] as const) {
      const r = await phase(url, 1.5);
      into.push(...r.ms);
      failed += r.failed;
    }
  }
  const pct = (xs: number[], p: number) => {
    const s = [...xs].sort((a, b) => a - b);
    return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? 0;
  };
  const r2 = (n: number) => Math.round(n * 100) / 100;
  emit({
    bench: 'router-overhead',
    rps,
    generator: 'hey',
    requests: routed.length,
    failed,
    p50_direct_ms: r2(pct(direct, 50)),
    p99_direct_ms: r2(pct(direct, 99)),
    p50_routed_ms: r2(pct(routed, 50)),
    p99_routed_ms: r2(pct(routed, 99)),
    p50_added_ms: r2(pct(routed, 50) - pct(direct, 50)),
    p99_added_ms: r2(pct(routed, 99) - pct(direct, 99)),
  });
}

/** The `hey` binary; as root on Debian it is installed when missing (as .ci/run installs Chromium). */
function heyPath(): string | null {
  const find = () => ['/usr/bin/hey', '/usr/local/bin/hey'].find((p) => existsSync(p)) ?? null;
  if (find() || process.getuid?.() !== 0 || !existsSync('/usr/bin/apt-get')) return find();
  const apt = (args: string[]) => spawnSync('apt-get', args, { stdio: 'ignore', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } }).status === 0;
  if (!apt(['install', '-y', 'hey']) && apt(['update'])) apt(['install', '-y', 'hey']);
  return find();
}

/** One `hey` run at a fixed rate: 10 workers × rps/10 each, every latency from its CSV. */
function runHey(hey: string, url: string, rps: number, seconds: number): Promise<{ ms: number[]; failed: number }> {
  return new Promise((resolve, reject) => {
    const n = Math.round(rps * seconds);
    const child = spawn(hey, ['-n', String(n), '-c', '10', '-q', String(rps / 10), '-o', 'csv', '-t', '10', `${url}/`], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code !== 0) return reject(new Error(`hey exited ${code}`));
      const ms: number[] = [];
      let failed = 0;
      for (const line of out.split('\n').slice(1)) {
        const cols = line.split(',');
        if (cols.length < 8) continue;
        const status = Number(cols[6]);
        if (!(status >= 200 && status < 300)) failed++;
        ms.push(Number(cols[0]) * 1000);
      }
      failed += Math.max(0, n - ms.length);
      resolve({ ms, failed });
    });
  });
}

function startControlPlane(databaseUrl: string, runtimeUrl: string, runtimeToken: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'lib/testing/flightdeck-process.ts')], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: databaseUrl, FLIGHTDECK_RUNTIME_URL: runtimeUrl, FLIGHTDECK_RUNTIME_TOKEN: runtimeToken, FLIGHTDECK_OWNER: 'bench-control-plane', FLIGHTDECK_RESUME_OWN: '1' },
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (b: Buffer) => {
      out += b.toString();
      const m = /READY (\S+)/.exec(out);
      if (m) resolve({ child, url: m[1]! });
    });
    child.once('exit', (code) => reject(new Error(`control plane exited ${code}`)));
  });
}

async function controlPlaneRestart(w: RealWorld<RemoteRuntime>, databaseUrl: string, runtimeUrl: string, runtimeToken: string, emit: Emit) {
  const name = 'cp-restart';
  await w.service({ name, replicas: 3 }, [{ version: '1.0.0' }, { version: '1.1.0' }]);
  await w.deploy(name, { version: '1.0.0' });
  const url = await w.address(name);
  let cp = await startControlPlane(databaseUrl, runtimeUrl, runtimeToken);
  const load = openLoad(url, { rps: RPS, maxMs: 60_000 });
  await sleep(1_000);
  // A slow rolling deployment (each batch waits a 1 s canary-free readiness) run by the child.
  const res = await fetch(`${cp.url}/deploy/${name}`, { method: 'POST', body: JSON.stringify({ version: '1.1.0', strategy: 'rolling' }) });
  const { id } = (await res.json()) as { id: string };
  await until('the deployment to be under way', async () => (await readEvents(w.db, id)).some((e) => e.type === 'instances_ready'));
  cp.child.kill('SIGKILL');
  await sleep(1_000);
  cp = await startControlPlane(databaseUrl, runtimeUrl, runtimeToken);
  await until('the restarted control plane to finish it', async () => ['succeeded', 'failed', 'aborted'].includes((await getDeployment(w.db, id)).state));
  await sleep(500);
  const shots = await load.stop();
  cp.child.kill('SIGTERM');
  const s = summarize(shots);
  const d = await getDeployment(w.db, id);
  emit({ bench: 'control-plane-restart', requests: s.requests, failed: s.failed, rps: s.rps, deployment: d.state, resumed: (await readEvents(w.db, id)).some((e) => e.type === 'worker_resumed') });
}

async function rollbackLatency(w: RealWorld<RemoteRuntime>, databaseUrl: string, emit: Emit) {
  // A real worker, woken by NOTIFY when the rollback is requested, as in production.
  const strategies = ['blue-green', 'canary'] as const;
  for (const strategy of strategies) {
    await w.service({ name: `rb-${strategy}`, replicas: 2 }, [{ version: '1.0.0' }, { version: '2.0.0' }]);
    await w.deploy(`rb-${strategy}`, { version: '1.0.0' });
  }
  const worker = new Worker({ db: w.db, runtime: w.runtime, clock: systemClock, owner: 'bench-worker', databaseUrl, pollMs: 100 });
  await worker.start();
  try {
    for (const strategy of strategies) {
      const name = `rb-${strategy}`;
      const good = (await w.db.version.findFirstOrThrow({ where: { semver: '1.0.0', service: { name } } })).id;
      const r = await createDeployment(
        w.ctx,
        name,
        { version: '2.0.0', strategy, params: strategy === 'canary' ? { steps: [50], windowSeconds: 120 } : { scaleDownDelaySeconds: 120 } },
        'bench',
      );
      const id = r.dryRun ? '' : r.deployment.id;
      const milestone = strategy === 'canary' ? 'analysis_started' : 'delay_started';
      await until(`${strategy} to reach ${milestone}`, async () => (await readEvents(w.db, id)).some((e) => e.type === milestone));
      await rollbackService(w.ctx, name, {}, 'bench'); // returns after its transaction committed
      const committed = Date.now();
      await until('traffic back on the good version', async () => {
        const t = await w.runtime.getRoutes(name);
        return !!t && t.versions.some((v) => v.weight > 0) && t.versions.every((v) => v.versionId === good || v.weight === 0);
      }, { timeoutMs: 30_000, everyMs: 1 });
      const ms = Date.now() - committed;
      // Check with real requests that new ones all reach the good version.
      const probe = openLoad(await w.address(name), { rps: 200, maxMs: 1_000 });
      await sleep(1_100);
      const shots = await probe.stop();
      await until('the rollback to finish', async () => ['failed', 'aborted'].includes((await getDeployment(w.db, id)).state));
      const events = await readEvents(w.db, id);
      const requested = events.find((e) => e.type === 'rollback_requested')!.seq;
      emit({
        bench: 'rollback-latency',
        strategy,
        ms_to_full_traffic: ms,
        processes_started_by_rollback: events.filter((e) => e.seq > requested && e.type === 'instances_started').length,
        requests_after: shots.length,
        on_good_version: shots.filter((s) => s.version === '1.0.0' && s.status === 200).length,
      });
    }
  } finally {
    await worker.stop();
  }
}
