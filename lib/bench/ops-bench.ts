/**
 * Operations benchmarks, the same scenarios the integration tests check, measured:
 *  - db-outage: the embedded PostgreSQL SIGKILLed three times mid-rollout under load through
 *    the local runtime's router (its own cluster);
 *  - feed-fanout: 100 and 1,000 live viewers of one deployment, event commit → arrival;
 *  - takeover: a worker process SIGKILLed while it holds a deployment, resumed by another.
 */
import { systemClock } from '../clock';
import { createDb } from '../db/client';
import { FakeRuntime } from '../runtime/fake';
import { serveRuntime } from '../runtime/rpc';
import { dbOutage } from '../testing/db-outage';
import { fanout } from '../testing/feed';
import { takeover } from '../testing/takeover';
import { World } from '../testing/fixtures';

type Emit = (line: Record<string, unknown>) => void;

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
const round = (n: number, d = 1) => Math.round(n * 10 ** d) / 10 ** d;

export async function dbOutageBenchmark(emit: Emit): Promise<void> {
  const r = await dbOutage({ kills: 3 });
  emit({
    bench: 'db-outage',
    s_down: round(Math.max(...r.secondsDown), 2),
    s_to_healthy_after_restart: round(Math.max(...r.secondsToHealthy), 2),
    failed_requests: r.failedRequests,
    listener_connections_after: Object.values(r.listenersAfter).reduce((a, b) => a + b, 0),
    outages: r.secondsDown.length,
    requests: r.requests,
    api_status_while_down: [...new Set(r.apiWhileDown.map((a) => a.status))].join(','),
    deployment: r.deploymentState,
  });
}

export async function feedFanoutBenchmark(url: string, emit: Emit): Promise<void> {
  const db = createDb(url, { max: 8 });
  try {
    const w = new World(db);
    for (const viewers of [100, 1000]) {
      await w.service({ name: `fanout-${viewers}` }, ['1.0.0']);
      const { id } = await w.start(`fanout-${viewers}`, { version: '1.0.0' });
      const r = await fanout({ db, databaseUrl: url, deploymentId: id, viewers, events: 50, everyMs: 100, overview: false });
      const sorted = [...r.latencies].sort((a, b) => a - b);
      emit({
        bench: 'feed-fanout',
        viewers,
        events: r.events,
        p50_ms: round(percentile(sorted, 50)),
        p99_ms: round(percentile(sorted, 99)),
        db_reads_per_event: round(r.readsDuringEvents / r.events, 2),
      });
    }
  } finally {
    await db.$disconnect();
  }
}

export async function takeoverBenchmark(url: string, emit: Emit): Promise<void> {
  const db = createDb(url, { max: 4 });
  const runtime = new FakeRuntime(systemClock);
  const rpc = await serveRuntime(runtime);
  try {
    const r = await takeover({ db, databaseUrl: url, runtime, runtimeUrl: rpc.url, service: 'takeover-bench' });
    emit({ bench: 'takeover', s_to_resume: round(r.secondsToResume, 2), worker_ids: 'different', lease_ttl_s: 300, state: r.finalState });
  } finally {
    await rpc.close();
    await db.$disconnect();
  }
}
