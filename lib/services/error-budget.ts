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

/** Traffic totals over the budget window for a few (service, environment) cells, from minutes and rollups. */
async function windowTotals(db: Db | Tx, cells: Array<{ serviceId: string; environmentId: string }>, now: number): Promise<Map<string, TrafficTotals>> {
  const out = new Map<string, TrafficTotals>();
  if (cells.length === 0) return out;
  const t = tiers(now);
  // Per cell, three short index range reads summed as they are read: its days and hours from
  // the rollups, and the minutes of the window's first, partial hour only when the rollup says
  // that hour had traffic.
  const rows = await db.$queryRaw<TotalsRow[]>`
    WITH cells AS MATERIALIZED (
      SELECT * FROM jsonb_to_recordset(${JSON.stringify(cells)}::jsonb) AS c("serviceId" uuid, "environmentId" uuid))
    SELECT c."serviceId" AS service_id, c."environmentId" AS environment_id,
           x.requests::bigint AS requests, x.errors::bigint AS errors, x.spent::float8 AS spent, x.minutes::bigint AS minutes
    FROM cells c
    CROSS JOIN LATERAL (
      SELECT SUM(y.requests) AS requests, SUM(y.errors) AS errors, SUM(y.spent) AS spent, SUM(y.minutes) AS minutes, COUNT(*) AS n
      FROM (
        SELECT m.requests::bigint AS requests, LEAST(m.errors, m.requests)::bigint AS errors,
               LEAST(m.errors, m.requests)::float8 / m.requests AS spent, 1 AS minutes
        FROM traffic_minutes m
        WHERE m.service_id = c."serviceId" AND m.environment_id = c."environmentId"
          AND m.minute >= ${t.since} AND m.minute < ${t.hours} AND m.requests > 0
          AND EXISTS (SELECT 1 FROM traffic_rollups p
                      WHERE p.service_id = c."serviceId" AND p.environment_id = c."environmentId" AND p.span = 'hour' AND p.start = ${new Date(t.hours.getTime() - HOUR)})
        UNION ALL
        SELECT r.requests, r.errors, r.spent_minutes, r.minutes FROM traffic_rollups r
        WHERE r.service_id = c."serviceId" AND r.environment_id = c."environmentId" AND r.span = 'hour' AND r.start >= ${t.hours} AND r.start < ${t.days}
        UNION ALL
        SELECT r.requests, r.errors, r.spent_minutes, r.minutes FROM traffic_rollups r
        WHERE r.service_id = c."serviceId" AND r.environment_id = c."environmentId" AND r.span = 'day' AND r.start >= ${t.days}
      ) y
    ) x
    WHERE x.n > 0`;
  for (const r of rows) {
    out.set(`${r.service_id}/${r.environment_id}`, { requests: Number(r.requests), errors: Number(r.errors), spentMinutes: r.spent, minutes: Number(r.minutes) });
  }
  return out;
}

/**
 * The same totals for every (service, environment) with traffic in the window, read by time
 * range rather than cell by cell (the overview): the window's hours and days from the rollups
 * in one range read summed per cell, and the minutes of its first, partial hour for the cells
 * whose rollup says that hour had traffic. Key: `${serviceId}/${environmentId}`.
 */
export async function everyWindowTotals(db: Db, now: number): Promise<Map<string, TrafficTotals>> {
  const t = tiers(now);
  // One JSON document rather than a row per cell: [serviceId, environmentId, requests, errors, spent, minutes].
  const rows = await db.$queryRaw<Array<{ rows: Array<[string, string, number, number, number, number]> }>>`
    WITH rolled AS (
      SELECT r.service_id, r.environment_id, SUM(r.requests) AS requests, SUM(r.errors) AS errors, SUM(r.spent_minutes) AS spent, SUM(r.minutes) AS minutes
      FROM traffic_rollups r
      WHERE (r.span = 'hour' AND r.start >= ${t.hours} AND r.start < ${t.days}) OR (r.span = 'day' AND r.start >= ${t.days})
      GROUP BY r.service_id, r.environment_id),
    partial AS (
      SELECT p.service_id, p.environment_id, m.requests, m.errors, m.spent, m.minutes
      FROM traffic_rollups p
      CROSS JOIN LATERAL (
        SELECT SUM(x.requests::bigint) AS requests, SUM(LEAST(x.errors, x.requests)::bigint) AS errors,
               SUM(LEAST(x.errors, x.requests)::float8 / x.requests) AS spent, COUNT(*) AS minutes
        FROM traffic_minutes x
        WHERE x.service_id = p.service_id AND x.environment_id = p.environment_id
          AND x.minute >= ${t.since} AND x.minute < ${t.hours} AND x.requests > 0) m
      WHERE p.span = 'hour' AND p.start = ${new Date(t.hours.getTime() - HOUR)} AND m.minutes > 0)
    SELECT COALESCE(json_agg(json_build_array(z.service_id, z.environment_id, z.requests, z.errors, z.spent, z.minutes)), '[]'::json) AS rows
    FROM (
      SELECT y.service_id, y.environment_id,
             SUM(y.requests)::bigint AS requests, SUM(y.errors)::bigint AS errors, SUM(y.spent)::float8 AS spent, SUM(y.minutes)::bigint AS minutes
      FROM (SELECT * FROM partial UNION ALL SELECT * FROM rolled) y
      GROUP BY y.service_id, y.environment_id) z`;
  const out = new Map<string, TrafficTotals>();
  for (const [serviceId, environmentId, requests, errors, spentMinutes, minutes] of rows[0]!.rows) {
    out.set(`${serviceId}/${environmentId}`, { requests, errors, spentMinutes, minutes });
  }
  return out;
}

type BudgetService = { id: string; sloAvailability: number; budgetFreeze: boolean };

function present(service: BudgetService, totals: TrafficTotals | undefined, now: number, since = tiers(now).since.toISOString()) {
  const b = budgetFromTotals({ sloAvailability: service.sloAvailability, totals: totals ?? { requests: 0, errors: 0, spentMinutes: 0, minutes: 0 } });
  return { ...b, freezeWhenSpent: service.budgetFreeze, since };
}

export async function budgetOf(db: Db | Tx, service: BudgetService, environmentId: string, now: number) {
  const totals = await windowTotals(db, [{ serviceId: service.id, environmentId }], now);
  return present(service, totals.get(`${service.id}/${environmentId}`), now);
}

/**
 * Budgets of many services × environments (the overview), from the totals of every cell — read
 * here, or already under way (`totals`). Key: `${serviceId}/${environmentId}`.
 */
export async function budgetsOf(db: Db, services: BudgetService[], environmentIds: string[], now: number, totals?: Promise<Map<string, TrafficTotals>>) {
  const all = await (totals ?? everyWindowTotals(db, now));
  const since = tiers(now).since.toISOString();
  const out = new Map<string, ReturnType<typeof present>>();
  for (const s of services) for (const e of environmentIds) out.set(`${s.id}/${e}`, present(s, all.get(`${s.id}/${e}`), now, since));
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
