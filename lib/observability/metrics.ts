/**
 * Control-plane metrics (prom-client), exposed on /metrics beside the runtimes' per-service
 * request metrics. One registry per process, kept on globalThis: the custom server (which
 * runs the worker and the HTTP edge) and the Next.js route handlers are bundled separately,
 * and both must read and write the same registry.
 *
 * Three sources:
 *   - observed in this process as it happens: HTTP exchanges (the edge), and what the worker
 *     and the live feed report through the hooks below (step durations, worker loop lag,
 *     event commit → socket emit lag);
 *   - read from PostgreSQL at each scrape: deployments by state and strategy, leases with
 *     their holder and age. These describe the whole installation, so every Flightdeck
 *     process reports the same values (aggregate them with max, not sum);
 *   - the event log, tailed from this process's start at each scrape: finished deployments
 *     and their durations, analysis verdicts, lease takeovers — also installation-wide.
 */
import client from 'prom-client';
import type { Db } from '../db/client';

const DURATION_BUCKETS = [1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200];
const FAST_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Event types the tail turns into metrics. */
const TAILED = ['deployment_completed', 'deployment_failed', 'deployment_aborted', 'analysis_passed', 'analysis_failed', 'analysis_inconclusive', 'worker_took_over', 'lease_broken'];
const TAIL_BATCH = 5000;

function create() {
  const registry = new client.Registry();
  const m = {
    registry,
    http: new client.Histogram({ name: 'flightdeck_http_request_duration_seconds', help: 'HTTP requests to the control plane, by method, route pattern and status (499: the client left first)', labelNames: ['method', 'route', 'status'] as const, buckets: FAST_BUCKETS, registers: [registry] }),
    deployments: new client.Gauge({ name: 'flightdeck_deployments', help: 'Deployments by state, strategy and environment', labelNames: ['state', 'strategy', 'environment'] as const, registers: [registry] }),
    deploymentDuration: new client.Histogram({ name: 'flightdeck_deployment_duration_seconds', help: 'Finished deployments, from start (or queueing) to their terminal event, by strategy and outcome', labelNames: ['strategy', 'outcome'] as const, buckets: DURATION_BUCKETS, registers: [registry] }),
    stepDuration: new client.Histogram({ name: 'flightdeck_step_duration_seconds', help: 'Plan steps, from first execution to completion, by step kind (reported by the worker)', labelNames: ['kind'] as const, buckets: DURATION_BUCKETS, registers: [registry] }),
    leasesHeld: new client.Gauge({ name: 'flightdeck_leases_held', help: 'Deployment leases by holder (worker id; "unclaimed" before a worker takes it)', labelNames: ['holder'] as const, registers: [registry] }),
    leaseAge: new client.Gauge({ name: 'flightdeck_lease_age_seconds', help: 'How long each lease has been held by its current holder', labelNames: ['service', 'environment', 'holder'] as const, registers: [registry] }),
    leaseHeartbeatAge: new client.Gauge({ name: 'flightdeck_lease_heartbeat_age_seconds', help: "Time since each lease's holder last renewed it", labelNames: ['service', 'environment', 'holder'] as const, registers: [registry] }),
    takeovers: new client.Counter({ name: 'flightdeck_lease_takeovers_total', help: 'Deployments resumed by another worker: "expired" (the holder stopped renewing) or "broken" (an admin broke the lease)', labelNames: ['kind'] as const, registers: [registry] }),
    verdicts: new client.Counter({ name: 'flightdeck_analysis_verdicts_total', help: 'Canary analysis verdicts', labelNames: ['verdict'] as const, registers: [registry] }),
    workerLoopLag: new client.Histogram({ name: 'flightdeck_worker_loop_lag_seconds', help: "How late the worker's claim loop ran against its schedule", buckets: FAST_BUCKETS, registers: [registry] }),
    emitLag: new client.Histogram({ name: 'flightdeck_event_emit_lag_seconds', help: 'Event commit → emitted to the live feed sockets', buckets: FAST_BUCKETS, registers: [registry] }),
    /** Position of the event tail (null until the first scrape sets it to the log's end). */
    cursor: null as bigint | null,
    refreshing: Promise.resolve() as Promise<unknown>,
    defaultsCollected: false,
  };
  for (const v of ['pass', 'fail', 'inconclusive']) m.verdicts.inc({ verdict: v }, 0);
  for (const k of ['expired', 'broken']) m.takeovers.inc({ kind: k }, 0);
  return m;
}

type State = ReturnType<typeof create>;
const KEY = Symbol.for('flightdeck.control-plane-metrics');

function state(): State {
  const g = globalThis as typeof globalThis & { [KEY]?: State };
  return (g[KEY] ??= create());
}

/** Process metrics (CPU, memory, event loop lag, handles) — once, in the process that serves. */
export function collectProcessMetrics(): void {
  const s = state();
  if (s.defaultsCollected) return;
  s.defaultsCollected = true;
  client.collectDefaultMetrics({ register: s.registry });
}

// ---- hooks: what the edge, the worker and the live feed report as it happens -------------

export function observeHttp(o: { method: string; route: string; status: number; seconds: number }): void {
  state().http.observe({ method: o.method, route: o.route, status: String(o.status) }, o.seconds);
}

/** The worker: a plan step of this kind completed, `seconds` after it first ran. */
export function observeStep(kind: string, seconds: number): void {
  state().stepDuration.observe({ kind }, seconds);
}

/** The worker: its claim loop ran `seconds` later than scheduled. */
export function observeWorkerLoopLag(seconds: number): void {
  state().workerLoopLag.observe(Math.max(0, seconds));
}

/** The live feed: an event reached the sockets `seconds` after its transaction committed. */
export function observeEventEmitLag(seconds: number): void {
  state().emitLag.observe(Math.max(0, seconds));
}

/** A tick reporter for a loop meant to run every `everyMs`: observes how late each tick came. */
export function loopLagReporter(everyMs: number): () => void {
  let last: number | null = null;
  return () => {
    const now = performance.now();
    if (last !== null) observeWorkerLoopLag((now - last - everyMs) / 1000);
    last = now;
  };
}

// ---- read at scrape time ----------------------------------------------------------------

async function readDeployments(s: State, db: Db) {
  const rows = await db.$queryRaw<Array<{ state: string; strategy: string; environment: string; n: bigint }>>`
    SELECT d.state::text AS state, d.strategy, e.name AS environment, count(*) AS n
    FROM deployments d JOIN environments e ON e.id = d.environment_id GROUP BY 1, 2, 3`;
  s.deployments.reset();
  for (const r of rows) s.deployments.set({ state: r.state, strategy: r.strategy, environment: r.environment }, Number(r.n));
}

async function readLeases(s: State, db: Db) {
  const rows = await db.$queryRaw<Array<{ holder: string | null; service: string; environment: string; age: number; heartbeat: number }>>`
    SELECT l.owner AS holder, s.name AS service, e.name AS environment,
           EXTRACT(EPOCH FROM now() - l.acquired_at)::float8 AS age,
           EXTRACT(EPOCH FROM now() - COALESCE(l.heartbeat_at, l.acquired_at))::float8 AS heartbeat
    FROM leases l JOIN services s ON s.id = l.service_id JOIN environments e ON e.id = l.environment_id`;
  s.leasesHeld.reset();
  s.leaseAge.reset();
  s.leaseHeartbeatAge.reset();
  for (const r of rows) {
    const holder = r.holder ?? 'unclaimed';
    s.leasesHeld.inc({ holder });
    s.leaseAge.set({ service: r.service, environment: r.environment, holder }, Math.max(0, r.age));
    s.leaseHeartbeatAge.set({ service: r.service, environment: r.environment, holder }, Math.max(0, r.heartbeat));
  }
}

const OUTCOME: Record<string, string> = { deployment_completed: 'succeeded', deployment_failed: 'failed', deployment_aborted: 'aborted' };
const VERDICT: Record<string, string> = { analysis_passed: 'pass', analysis_failed: 'fail', analysis_inconclusive: 'inconclusive' };

/** Reads the event log from where the last scrape stopped (the log's end at the first scrape). */
async function tailEvents(s: State, db: Db) {
  const [{ value: end } = { value: 0n }] = await db.$queryRaw<Array<{ value: bigint }>>`SELECT value FROM event_cursor WHERE id = 1`;
  if (s.cursor === null) {
    s.cursor = BigInt(end);
    return;
  }
  for (;;) {
    const from: bigint = s.cursor;
    const rows: Array<{ cursor: bigint; type: string; seconds: number; strategy: string }> = await db.$queryRaw`
      SELECT ev.cursor, ev.type, d.strategy,
             EXTRACT(EPOCH FROM ev.at - COALESCE(d.started_at, d.created_at))::float8 AS seconds
      FROM events ev JOIN deployments d ON d.id = ev.deployment_id
      WHERE ev.cursor > ${from} AND ev.cursor <= ${end} AND ev.type = ANY(${TAILED})
      ORDER BY ev.cursor LIMIT ${TAIL_BATCH}`;
    for (const r of rows) {
      if (OUTCOME[r.type]) s.deploymentDuration.observe({ strategy: r.strategy, outcome: OUTCOME[r.type]! }, Math.max(0, r.seconds));
      else if (VERDICT[r.type]) s.verdicts.inc({ verdict: VERDICT[r.type]! });
      else s.takeovers.inc({ kind: r.type === 'lease_broken' ? 'broken' : 'expired' });
    }
    if (rows.length < TAIL_BATCH) {
      s.cursor = BigInt(end);
      return;
    }
    s.cursor = BigInt(rows[rows.length - 1]!.cursor);
  }
}

/** Starts the event tail at the log's current end (so a restart does not count history again). */
export async function startControlPlaneMetrics(db: Db): Promise<void> {
  collectProcessMetrics();
  const s = state();
  if (s.cursor === null) await tailEvents(s, db);
}

/** The Prometheus text of the control plane, refreshed from the database. Scrapes run one at a time (the tail counts each event once). */
export async function controlPlaneMetricsText(db: Db): Promise<{ text: string; contentType: string }> {
  const s = state();
  const refresh = s.refreshing.then(() => Promise.all([readDeployments(s, db), readLeases(s, db), tailEvents(s, db)]));
  s.refreshing = refresh.catch(() => undefined);
  await refresh;
  return { text: await s.registry.metrics(), contentType: s.registry.contentType };
}
