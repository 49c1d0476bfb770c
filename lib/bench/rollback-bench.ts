/**
 * Rollback benchmarks on real processes (the runtime agent in its own process, a real worker
 * woken by NOTIFY, real HTTP load), loopback only, bounded in time:
 *  - rollback-latency after success: a rolling or canary deployment succeeds, its previous
 *    version stays warm out of rotation; from the rollback request's commit to 100 % of
 *    traffic on the previous version, and how many processes the rollback started;
 *  - release-rollback: a release of five services in three dependency waves rolled back as a
 *    whole, under load on every service: seconds until done, failed requests.
 */
import { systemClock } from '../clock';
import { Worker } from '../deploy/worker';
import type { RemoteRuntime } from '../runtime/rpc';
import { rollbackService } from '../services/rollback';
import { rollbackRelease } from '../services/release-rollback';
import { advanceReleases, createRelease, getRelease } from '../services/releases';
import { getDeployment } from '../services/deployments';
import type { RealWorld } from '../testing/real-world';
import { until } from '../testing/until';
import { openLoad, summarize } from './load';

type Emit = (line: Record<string, unknown>) => void;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function worker(w: RealWorld<RemoteRuntime>, databaseUrl: string, owner: string) {
  return new Worker({ db: w.db, runtime: w.runtime, clock: systemClock, owner, databaseUrl, pollMs: 100, onTick: async () => void (await advanceReleases(w.ctx)) });
}

export async function rollbackAfterSuccess(w: RealWorld<RemoteRuntime>, databaseUrl: string, emit: Emit): Promise<void> {
  const cases = [
    { strategy: 'rolling', name: 'rb-after-rolling', params: { batchSize: 1 } },
    { strategy: 'canary', name: 'rb-after-canary', params: { steps: [50], windowSeconds: 2, minSamples: 20 } },
  ] as const;
  // The canary is judged on errors only: this loopback VM's latency noise is not what is measured here.
  const analysis = { metrics: [{ name: 'error-rate', kind: 'error_rate', provider: 'router', maxChange: 0.01 }] };
  for (const c of cases) {
    await w.service({ name: c.name, replicas: 2 }, [{ version: '1.0.0' }, { version: '2.0.0' }]);
    await w.deploy(c.name, { version: '1.0.0' });
    const load = openLoad(await w.address(c.name), { rps: 100, maxMs: 60_000 });
    const d = await w.deploy(c.name, { version: '2.0.0', strategy: c.strategy, params: c.params, ...(c.strategy === 'canary' ? { analysis } : {}) });
    await load.stop();
    if (d.state !== 'succeeded') throw new Error(`rollback-latency ${c.strategy}: deployment ${d.state}`);
  }
  const wk = worker(w, databaseUrl, 'bench-rollback-worker');
  await wk.start();
  try {
    for (const c of cases) {
      const good = (await w.db.version.findFirstOrThrow({ where: { semver: '1.0.0', service: { name: c.name } } })).id;
      const warmBefore = new Set((await w.runtime.list(c.name)).filter((i) => i.versionId === good && i.state === 'running').map((i) => `${i.id}@${i.startedAt}`));
      const load = openLoad(await w.address(c.name), { rps: 200, maxMs: 30_000 });
      await sleep(500);
      const r = await rollbackService(w.ctx, c.name, {}, 'bench'); // returns after its transaction committed
      const committed = Date.now();
      await until('traffic back on the previous version', async () => {
        const t = await w.runtime.getRoutes(c.name);
        return !!t && t.versions.some((v) => v.weight > 0) && t.versions.every((v) => v.versionId === good || v.weight === 0);
      }, { timeoutMs: 30_000, everyMs: 1 });
      const ms = Date.now() - committed;
      await until('the rollback to finish', async () => ['succeeded', 'failed', 'aborted'].includes((await getDeployment(w.db, r.deploymentId!)).state), { timeoutMs: 60_000 });
      await sleep(300);
      const shots = await load.stop();
      const after = (await w.runtime.list(c.name)).filter((i) => i.versionId === good && i.state === 'running');
      const events = await w.events(r.deploymentId!);
      const at = (type: string) => Date.parse(events.find((e) => e.type === type)?.at ?? '') - committed;
      // Requests sent once the routing table said the switch was done: every one on the previous version.
      const afterSwitch = shots.filter((s) => s.start >= committed + ms);
      emit({
        bench: 'rollback-latency',
        strategy: `${c.strategy}-after-success`,
        warm: r.warm !== null,
        ms_to_full_traffic: ms,
        ms_to_claimed: at('deployment_started'),
        ms_to_switch_recorded: at('traffic_shifted'),
        processes_started_by_rollback: after.filter((i) => !warmBefore.has(`${i.id}@${i.startedAt}`)).length,
        requests: shots.length,
        failed_requests: summarize(shots).failed,
        on_previous_version_after_switch: `${afterSwitch.filter((s) => s.version === '1.0.0').length}/${afterSwitch.length}`,
      });
    }
  } finally {
    await wk.stop();
  }
}

export async function releaseRollback(w: RealWorld<RemoteRuntime>, databaseUrl: string, emit: Emit): Promise<void> {
  // Five services in three waves: rr-a and rr-e first, then rr-b and rr-d (on rr-a), then rr-c (on rr-b).
  const deps: Record<string, string[]> = { 'rr-a': [], 'rr-e': [], 'rr-b': ['rr-a'], 'rr-d': ['rr-a'], 'rr-c': ['rr-b'] };
  for (const [name, dependencies] of Object.entries(deps)) await w.service({ name, replicas: 2, dependencies }, [{ version: '1.0.0' }, { version: '1.1.0' }]);
  const wk = worker(w, databaseUrl, 'bench-release-worker');
  await wk.start();
  try {
    const release = async (version: string) => {
      const r = await createRelease(w.ctx, { items: Object.keys(deps).map((service) => ({ service, version })), strategy: 'rolling' }, 'bench');
      await until(`release ${version}`, async () => (await getRelease(w.db, r.id)).state !== 'running', { timeoutMs: 180_000, everyMs: 200 });
      const done = await getRelease(w.db, r.id);
      if (done.state !== 'succeeded') throw new Error(`release-rollback: release ${version} ${done.state}: ${done.reason}`);
      return done;
    };
    await release('1.0.0');
    const second = await release('1.1.0');
    const loads = await Promise.all(Object.keys(deps).map(async (name) => openLoad(await w.address(name), { rps: Number(process.env.BENCH_RR_RPS ?? 20), maxMs: 120_000 })));
    await sleep(Number(process.env.BENCH_PRELOAD_MS ?? 500));
    const started = Date.now();
    const r = await rollbackRelease(w.ctx, second.id, {}, 'bench');
    const done = await until('the release rollback', async () => {
      const x = await getRelease(w.db, r.release!.id);
      return x.state !== 'running' && x;
    }, { timeoutMs: 120_000, everyMs: 50 });
    const seconds = (Date.now() - started) / 1000;
    await sleep(500);
    const perService = await Promise.all(loads.map((l) => l.stop()));
    if (process.env.BENCH_DEBUG) {
      const names = Object.keys(deps);
      perService.forEach((sh, i) => {
        const buckets = new Map<number, string>();
        for (const x of sh) { const b = Math.floor((x.start - started) / 1000); buckets.set(b, (buckets.get(b) ?? '') + (x.status === 200 ? '' : x.status === 0 ? 't' : 'e')); }
        console.error(names[i], [...buckets].sort((a, b) => a[0] - b[0]).map(([b, f]) => `${b}:${f.length}`).join(' '));
      });
      const x = await getRelease(w.db, r.release!.id);
      for (const it of x.items) { const ev = await w.events(it.deployment!.id); console.error(it.service, ev.map((e) => `${e.type}@${Date.parse(e.at) - started}`).join(' ')); }
    }
    const shots = perService.flat();
    const s = summarize(shots);
    const failed = shots.filter((x) => x.status < 200 || x.status >= 300);
    const byWhy = new Map<string, number>();
    for (const x of failed) byWhy.set(x.status ? `HTTP ${x.status}` : (x.error ?? 'no answer'), (byWhy.get(x.status ? `HTTP ${x.status}` : (x.error ?? 'no answer')) ?? 0) + 1);
    const why = [...byWhy].map(([k, n]) => `${k}: ${n}`);
    emit({
      bench: 'release-rollback',
      services: Object.keys(deps).length,
      waves: r.waves.length,
      state: done.state,
      warm: r.items.filter((i) => i.preview.warm).length,
      s_to_done: Math.round(seconds * 100) / 100,
      requests: s.requests,
      failed_requests: s.failed,
      ...(failed.length ? { failed_before_rollback: failed.filter((x) => x.start < started).length, failures: why.join(', ') } : {}),
      rps: s.rps,
    });
  } finally {
    await wk.stop();
  }
}
