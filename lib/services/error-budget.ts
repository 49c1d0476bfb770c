/**
 * Error budgets per service: per-minute traffic is copied from the runtime's router into
 * `traffic_minutes` (the router keeps 15 minutes; the worker samples every minute, and every
 * read samples first), and the budget over the last 30 days is computed from those minutes.
 *
 * Reading 43,200 minutes per service per request does not scale to an overview of hundreds of
 * services: a trigger keeps `traffic_rollups` (per hour and per day) in step with the minutes,
 * and a budget sums at most 59 minutes + 23 hours + 31 days — the minutes of the window's first
 * partial hour, the hours of its first partial day, then whole days up to now — exactly the
 * same figures as the minutes themselves.
 */
import type { Db } from '../db/client';
import type { Tx } from '../events/append';
import { BUDGET_PERIOD_DAYS, budgetFromTotals, type TrafficTotals } from '../engine/error-budget';
import { totalTraffic, type Runtime } from '../runtime/types';
import { findServiceOr404 } from './lookup';
import { resolveEnvironment } from './environments';
import type { EnvironmentTarget } from '../runtime/registry';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** Complete minutes the router still holds (it keeps 15 min of 1 s buckets). */
const SAMPLE_MINUTES = 14;

/** Copy the last complete minutes of a service's traffic in one environment into traffic_minutes (idempotent). */
export async function recordTrafficMinutes(
  db: Db,
  runtime: Runtime,
  service: { id: string; name: string },
  environmentId: string,
  now: number,
): Promise<void> {
  const end = Math.floor(now / MINUTE) * MINUTE;
  const rows: Array<{ minute: string; requests: number; errors: number }> = [];
  for (let m = end - SAMPLE_MINUTES * MINUTE; m < end; m += MINUTE) {
    const { requests, serverErrors: errors } = totalTraffic(await runtime.traffic(service.name, m, m + MINUTE));
    if (requests > 0) rows.push({ minute: new Date(m).toISOString(), requests, errors });
  }
  if (rows.length === 0) return;
  // A restarted router may know less about a minute than we stored: keep the larger counts. A
  // minute that did not change is not written again (nor its rollups).
  await db.$executeRaw`
    INSERT INTO traffic_minutes (service_id, environment_id, minute, requests, errors)
    SELECT ${service.id}::uuid, ${environmentId}::uuid, r.minute, r.requests, r.errors
    FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS r(minute timestamptz, requests integer, errors integer)
    ON CONFLICT (service_id, environment_id, minute) DO UPDATE
      SET requests = GREATEST(traffic_minutes.requests, EXCLUDED.requests),
          errors = GREATEST(traffic_minutes.errors, EXCLUDED.errors)
      WHERE traffic_minutes.requests < EXCLUDED.requests OR traffic_minutes.errors < EXCLUDED.errors`;
}

/** Every service in every environment, each through its environment's runtime. */
export async function recordAllTrafficMinutes(db: Db, runtimeFor: (env: EnvironmentTarget) => Runtime | null, now: number): Promise<void> {
  const [services, environments] = await Promise.all([db.service.findMany({ select: { id: true, name: true } }), db.environment.findMany()]);
  for (const env of environments) {
    const runtime = runtimeFor(env);
    if (!runtime) continue;
    for (const s of services) await recordTrafficMinutes(db, runtime, s, env.id, now);
  }
}

/** The budget window's three tiers: [since, hours) in minutes, [hours, days) in hours, [days, now] in days. */
function tiers(now: number) {
  const since = now - BUDGET_PERIOD_DAYS * DAY;
  const hours = Math.ceil(since / HOUR) * HOUR;
  const days = Math.ceil(hours / DAY) * DAY;
  return { since: new Date(since), hours: new Date(hours), days: new Date(days) };
}

type TotalsRow = { service_id: string; environment_id: string; requests: bigint; errors: bigint; spent: number; minutes: bigint };

/** Traffic totals over the budget window for each (service, environment), from minutes and rollups. */
async function windowTotals(db: Db | Tx, cells: Array<{ serviceId: string; environmentId: string }>, now: number): Promise<Map<string, TrafficTotals>> {
  const out = new Map<string, TrafficTotals>();
  if (cells.length === 0) return out;
  const t = tiers(now);
  // The hours and days of every cell in one range read of the rollups; the minutes of the first,
  // partial hour only for the cells whose rollup says that hour had traffic.
  const rows = await db.$queryRaw<TotalsRow[]>`
    WITH cells AS MATERIALIZED (
      SELECT * FROM jsonb_to_recordset(${JSON.stringify(cells)}::jsonb) AS c("serviceId" uuid, "environmentId" uuid)),
    partial AS MATERIALIZED (
      SELECT r.service_id, r.environment_id FROM cells c
      JOIN traffic_rollups r ON r.service_id = c."serviceId" AND r.environment_id = c."environmentId"
      WHERE r.span = 'hour' AND r.start = ${new Date(t.hours.getTime() - HOUR)} AND ${t.since} < ${t.hours})
    SELECT x.service_id, x.environment_id,
           SUM(x.requests)::bigint AS requests, SUM(x.errors)::bigint AS errors, SUM(x.spent)::float8 AS spent, SUM(x.minutes)::bigint AS minutes
    FROM (
      SELECT m.service_id, m.environment_id, m.requests::bigint AS requests, LEAST(m.errors, m.requests)::bigint AS errors,
             LEAST(m.errors, m.requests)::float8 / m.requests AS spent, 1 AS minutes
      FROM partial p JOIN traffic_minutes m ON m.service_id = p.service_id AND m.environment_id = p.environment_id
      WHERE m.minute >= ${t.since} AND m.minute < ${t.hours} AND m.requests > 0
      UNION ALL
      SELECT r.service_id, r.environment_id, r.requests, r.errors, r.spent_minutes, r.minutes
      FROM cells c JOIN traffic_rollups r ON r.service_id = c."serviceId" AND r.environment_id = c."environmentId"
      WHERE (r.span = 'hour' AND r.start >= ${t.hours} AND r.start < ${t.days}) OR (r.span = 'day' AND r.start >= ${t.days})
    ) x
    GROUP BY x.service_id, x.environment_id`;
  for (const r of rows) {
    out.set(`${r.service_id}/${r.environment_id}`, { requests: Number(r.requests), errors: Number(r.errors), spentMinutes: r.spent, minutes: Number(r.minutes) });
  }
  return out;
}

type BudgetService = { id: string; sloAvailability: number; budgetFreeze: boolean };

function present(service: BudgetService, totals: TrafficTotals | undefined, now: number) {
  const b = budgetFromTotals({ sloAvailability: service.sloAvailability, totals: totals ?? { requests: 0, errors: 0, spentMinutes: 0, minutes: 0 } });
  return { ...b, freezeWhenSpent: service.budgetFreeze, since: tiers(now).since.toISOString() };
}

export async function budgetOf(db: Db | Tx, service: BudgetService, environmentId: string, now: number) {
  const totals = await windowTotals(db, [{ serviceId: service.id, environmentId }], now);
  return present(service, totals.get(`${service.id}/${environmentId}`), now);
}

/** Budgets of many services × environments in one read (the overview). Key: `${serviceId}/${environmentId}`. */
export async function budgetsOf(db: Db, services: BudgetService[], environmentIds: string[], now: number) {
  const cells = services.flatMap((s) => environmentIds.map((environmentId) => ({ serviceId: s.id, environmentId })));
  const totals = await windowTotals(db, cells, now);
  const out = new Map<string, ReturnType<typeof present>>();
  for (const s of services) for (const e of environmentIds) out.set(`${s.id}/${e}`, present(s, totals.get(`${s.id}/${e}`), now));
  return out;
}

/** GET /api/v1/services/{name}/error-budget[?environment=] */
export async function getErrorBudget(db: Db, name: string, opts: { runtimeFor?: (env: EnvironmentTarget) => Runtime | null; now: number; environment?: string | null }) {
  const s = await findServiceOr404(db, name);
  const env = await resolveEnvironment(db, opts.environment);
  const runtime = opts.runtimeFor?.(env);
  if (runtime) await recordTrafficMinutes(db, runtime, s, env.id, opts.now);
  const b = await budgetOf(db, s, env.id, opts.now);
  return { service: s.name, environment: env.name, ...b, frozen: b.freezeWhenSpent && b.exhausted };
}
