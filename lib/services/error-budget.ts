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
import { resolveEnvironment } from './environments';
import type { EnvironmentTarget } from '../runtime/registry';

const MINUTE = 60_000;
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
  for (let m = end - SAMPLE_MINUTES * MINUTE; m < end; m += MINUTE) {
    const { requests, serverErrors: errors } = totalTraffic(await runtime.traffic(service.name, m, m + MINUTE));
    if (requests === 0) continue;
    // A restarted router may know less about a minute than we stored: keep the larger counts.
    await db.$executeRaw`
      INSERT INTO traffic_minutes (service_id, environment_id, minute, requests, errors)
      VALUES (${service.id}::uuid, ${environmentId}::uuid, ${new Date(m)}, ${requests}, ${errors})
      ON CONFLICT (service_id, environment_id, minute) DO UPDATE
        SET requests = GREATEST(traffic_minutes.requests, EXCLUDED.requests),
            errors = GREATEST(traffic_minutes.errors, EXCLUDED.errors)`;
  }
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

export async function budgetOf(db: Db | Tx, service: { id: string; sloAvailability: number; budgetFreeze: boolean }, environmentId: string, now: number) {
  const since = new Date(now - BUDGET_PERIOD_DAYS * 24 * 60 * MINUTE);
  const minutes = await db.trafficMinute.findMany({
    where: { serviceId: service.id, environmentId, minute: { gte: since } },
    select: { requests: true, errors: true },
  });
  return { ...errorBudget({ sloAvailability: service.sloAvailability, minutes }), freezeWhenSpent: service.budgetFreeze, since: since.toISOString() };
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
