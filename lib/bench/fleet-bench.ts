/**
 * Benchmarks of the fleet runtime on real hosts (network namespaces, as the fleet tests; root
 * only — otherwise each line says it was skipped and why):
 *  - fleet-zero-downtime: `hey` through HAProxy at ≥ 500 requests/s while a 3-replica service
 *    moves across three hosts with each strategy;
 *  - host-loss: a host's link cut under load (a process recording every request's times): the
 *    requests that failed before the cut was detected, after it (0 is the point), and how long
 *    detection took;
 *  - edge-overhead: the p99 latency HAProxy adds and the built-in router adds, in the same run,
 *    in front of the same instance, in alternating phases of `hey` at 1000 requests/s.
 */
import { spawn } from 'node:child_process';
import { createDb } from '../db/client';
import { netnsUnavailable } from '../testing/fleet-hosts';
import { startFleetWorld, type FleetWorld } from '../testing/fleet-world';
import { heyBinary, startHey } from '../testing/hey';
import { startTimedLoad } from '../testing/timed-load';
import { until } from '../testing/until';

type Emit = (line: Record<string, unknown>) => void;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const NAMES = ['fleet-zero-downtime', 'host-loss', 'edge-overhead'];

export async function fleetBenchmarks(databaseUrl: string, emit: Emit, want: (name: string) => boolean): Promise<void> {
  const names = NAMES.filter(want);
  if (names.length === 0) return;
  const why = netnsUnavailable() ?? (heyBinary() ? null : 'needs the `hey` load generator (apt-get install hey)');
  if (why) {
    for (const bench of names) emit({ bench, skipped: why });
    return;
  }
  const db = createDb(databaseUrl, { max: 8 });
  const f = await startFleetWorld(db, { net: 233 });
  try {
    if (want('fleet-zero-downtime')) await zeroDowntime(f, emit);
    if (want('host-loss')) await hostLoss(f, emit);
    if (want('edge-overhead')) await edgeOverhead(f, emit);
  } finally {
    await f.close();
    await db.$disconnect();
  }
}

async function zeroDowntime(f: FleetWorld, emit: Emit) {
  const params: Record<string, Record<string, unknown>> = {
    rolling: { batchSize: 1 },
    'blue-green': { scaleDownDelaySeconds: 1 },
    canary: { steps: [25, 50], windowSeconds: 3, minSamples: 50 },
  };
  for (const strategy of Object.keys(params)) {
    const name = `fzd-${strategy}`;
    await f.w.service({ name, replicas: 3 }, [{ version: '1.0.0' }, { version: '1.1.0' }]);
    await f.w.deploy(name, { version: '1.0.0' });
    // Enough workers that the rate holds even when a busy machine makes each answer slow.
    const load = startHey(`${await f.w.address(name)}/`, { rps: 600, concurrency: 200 });
    await sleep(2000);
    const from = Date.now();
    // The canary is judged on its error rate: on a shared machine latency is noise.
    const analysis = strategy === 'canary' ? { analysis: { metrics: [{ name: 'error-rate', kind: 'error_rate', provider: 'router', maxChange: 0.01 }] } } : {};
    const { driven } = await f.start(name, { version: '1.1.0', strategy, params: params[strategy], ...analysis });
    const state = await driven;
    const seconds = (Date.now() - from) / 1000;
    await sleep(1000);
    const r = await load.stop();
    const hosts = new Set((await f.runtime.list(name)).filter((i) => i.semver === '1.1.0').map((i) => i.host)).size;
    emit({ bench: 'fleet-zero-downtime', hosts: 3, strategy, rps: r.rps, requests: r.requests, failed: r.failed, deployment: state, deploy_s: Math.round(seconds * 10) / 10, new_version_hosts: hosts, generator: 'hey' });
  }
}

async function hostLoss(f: FleetWorld, emit: Emit) {
  const name = 'host-loss';
  await f.w.service({ name, replicas: 3, placement: { onHostLoss: 'replace' } }, [{ version: '1.0.0' }]);
  await f.w.deploy(name, { version: '1.0.0' });
  const rps = 500;
  const load = startTimedLoad(`${await f.w.address(name)}/`, { rps });
  await sleep(3000);
  const victim = f.netns.hosts[2]!;
  const cutAt = Date.now();
  victim.cut();
  const detection = await until('the cut to be detected', () => f.fleet.detections.find((d) => d.host === victim.name && d.at >= cutAt), { timeoutMs: 30_000, everyMs: 5 });
  await sleep(5000);
  const shots = await load.stop();
  victim.restore();
  await until('the host back', () => f.fleet.hosts()?.find((h) => h.name === victim.name)?.reachability === 'ready', { timeoutMs: 30_000 });
  const failed = (s: { status: number }) => s.status < 200 || s.status >= 300;
  const span = (Math.max(...shots.map((s) => s.start)) - Math.min(...shots.map((s) => s.start))) / 1000;
  emit({
    bench: 'host-loss',
    hosts: 3,
    rps: Math.round(shots.length / span),
    requests: shots.length,
    failed_at_cut: shots.filter((s) => failed(s) && s.start < detection.at).length,
    failed_after_detection: shots.filter((s) => failed(s) && s.start >= detection.at).length,
    s_to_detect: Math.round((detection.at - cutAt) / 10) / 100,
    ms_declared_to_out_of_rotation: detection.at - detection.declaredAt,
    down_after_ms: 2000,
    generator: 'node (per-request times)',
  });
}

/** The built-in router in a process of its own (as in the runtime agent), in front of `backend`. */
function startRouter(backend: string): Promise<{ url: string; stop(): void }> {
  const script = `
    const { ServiceRouter } = await import(${JSON.stringify(new URL('../runtime/local/router.ts', import.meta.url).pathname)});
    const r = new ServiceRouter({ service: 'edge-overhead', port: 0 });
    const { port } = await r.listen();
    r.setTable([{ instanceId: 'i0', versionId: 'v1', url: ${JSON.stringify(backend)}, weight: 1 }]);
    process.stdout.write('PORT ' + port + '\\n');
  `;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (b: Buffer) => {
      out += b.toString();
      const m = /PORT (\d+)/.exec(out);
      if (m) resolve({ url: `http://127.0.0.1:${m[1]}`, stop: () => child.kill('SIGTERM') });
    });
    child.once('exit', (code) => reject(new Error(`the router process exited ${code}`)));
  });
}

/** One `hey` run at a fixed rate; every request's latency from its CSV. */
function heyLatencies(url: string, rps: number, seconds: number): Promise<{ ms: number[]; failed: number }> {
  return new Promise((resolve, reject) => {
    const n = Math.round(rps * seconds);
    const child = spawn(heyBinary()!, ['-n', String(n), '-c', '10', '-q', String(rps / 10), '-o', 'csv', '-t', '10', `${url}/`], { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
    child.once('error', reject);
    child.once('exit', () => {
      const ms: number[] = [];
      let failed = 0;
      for (const line of out.split('\n').slice(1)) {
        const cols = line.split(',');
        if (cols.length < 8) continue;
        if (!(Number(cols[6]) >= 200 && Number(cols[6]) < 300)) failed++;
        ms.push(Number(cols[0]) * 1000);
      }
      resolve({ ms, failed: failed + Math.max(0, n - ms.length) });
    });
  });
}

async function edgeOverhead(f: FleetWorld, emit: Emit) {
  const name = 'edge-overhead';
  await f.w.service({ name, replicas: 1 }, [{ version: '1.0.0' }]);
  await f.w.deploy(name, { version: '1.0.0' });
  const inst = (await f.runtime.list(name)).find((i) => i.state === 'running')!;
  const direct = inst.address!;
  const haproxy = await f.w.address(name);
  const router = await startRouter(direct);
  const rps = 1000;
  try {
    // Alternating 1.5 s phases, so the three paths see the same load and the same seconds of
    // this machine's scheduling noise; warm each path first.
    const paths = { direct, haproxy, router: router.url };
    const lat: Record<keyof typeof paths, number[]> = { direct: [], haproxy: [], router: [] };
    let failed = 0;
    for (const url of Object.values(paths)) await heyLatencies(url, rps, 1);
    for (let round = 0; round < 6; round++) {
      for (const [k, url] of Object.entries(paths) as Array<[keyof typeof paths, string]>) {
        const r = await heyLatencies(url, rps, 1.5);
        lat[k].push(...r.ms);
        failed += r.failed;
      }
    }
    const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] ?? 0;
    const r2 = (n: number) => Math.round(n * 100) / 100;
    emit({
      bench: 'edge-overhead',
      rps,
      generator: 'hey',
      requests: lat.haproxy.length + lat.router.length + lat.direct.length,
      failed,
      p99_direct_ms: r2(pct(lat.direct, 99)),
      p99_haproxy_ms: r2(pct(lat.haproxy, 99)),
      p99_builtin_ms: r2(pct(lat.router, 99)),
      p99_added_ms_haproxy: r2(pct(lat.haproxy, 99) - pct(lat.direct, 99)),
      p99_added_ms_builtin: r2(pct(lat.router, 99) - pct(lat.direct, 99)),
      p50_added_ms_haproxy: r2(pct(lat.haproxy, 50) - pct(lat.direct, 50)),
      p50_added_ms_builtin: r2(pct(lat.router, 50) - pct(lat.direct, 50)),
    });
  } finally {
    router.stop();
  }
}
