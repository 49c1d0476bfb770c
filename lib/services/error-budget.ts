/**
 * Error budgets per service: per-minute traffic is copied from the runtime's router into
 * `traffic_minutes` (the router keeps 15 minutes; the worker samples every minute, and every
 * read samples first), and the budget over the last 30 days is computed from those minutes.
 */
import type { Db } from '../db/client';
import type { Tx } from '../events/append';
import { BUDGET_PERIOD_DAYS, errorBudget } from '../engine/error-budget';
import { totalTraffic, type Runtime } from '../runtime/types';
import { findServiceOr404 } from './lookup';

const MINUTE = 60_000;
/** Complete minutes the router still holds (it keeps 15 min of 1 s buckets). */
const SAMPLE_MINUTES = 14;

/** Copy the last complete minutes of a service's traffic into traffic_minutes (idempotent). */
export async function recordTrafficMinutes(db: Db, runtime: Runtime, service: { id: string; name: string }, now: number): Promise<void> {
  const end = Math.floor(now / MINUTE) * MINUTE;
  for (let m = end - SAMPLE_MINUTES * MINUTE; m < end; m += MINUTE) {
    const { requests, serverErrors: errors } = totalTraffic(await runtime.traffic(service.name, m, m + MINUTE));
    if (requests === 0) continue;
    // A restarted router may know less about a minute than we stored: keep the larger counts.
    await db.$executeRaw`
      INSERT INTO traffic_minutes (service_id, minute, requests, errors)
      VALUES (${service.id}::uuid, ${new Date(m)}, ${requests}, ${errors})
      ON CONFLICT (service_id, minute) DO UPDATE
        SET requests = GREATEST(traffic_minutes.requests, EXCLUDED.requests),
            errors = GREATEST(traffic_minutes.errors, EXCLUDED.errors)`;
  }
}

export async function recordAllTrafficMinutes(db: Db, runtime: Runtime, now: number): Promise<void> {
  const services = await db.service.findMany({ select: { id: true, name: true } });
  for (const s of services) await recordTrafficMinutes(db, runtime, s, now);
}

export async function budgetOf(db: Db | Tx, service: { id: string; sloAvailability: number; budgetFreeze: boolean }, now: number) {
  const since = new Date(now - BUDGET_PERIOD_DAYS * 24 * 60 * MINUTE);
  const minutes = await db.trafficMinute.findMany({ where: { serviceId: service.id, minute: { gte: since } }, select: { requests: true, errors: true } });
  return { ...errorBudget({ sloAvailability: service.sloAvailability, minutes }), freezeWhenSpent: service.budgetFreeze, since: since.toISOString() };
}

/** GET /api/v1/services/{name}/error-budget */
export async function getErrorBudget(db: Db, name: string, opts: { runtime?: Runtime | null; now: number }) {
  const s = await findServiceOr404(db, name);
  if (opts.runtime) await recordTrafficMinutes(db, opts.runtime, s, opts.now);
  const b = await budgetOf(db, s, opts.now);
  return { service: s.name, ...b, frozen: b.freezeWhenSpent && b.exhausted };
}
