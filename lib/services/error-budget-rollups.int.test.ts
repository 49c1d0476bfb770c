/**
 * Error budgets read hourly and daily rollups of traffic_minutes, kept by a trigger. Whatever
 * happens to the minutes (inserted in bulk, raised by the sampler's upsert, deleted), and
 * wherever "now" falls (on an hour, on a day, in between), the budget equals the one computed
 * from the minutes themselves; deleting a service with minutes still works.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../testing/db';
import { World } from '../testing/fixtures';
import { errorBudget, BUDGET_PERIOD_DAYS } from '../engine/error-budget';
import { budgetOf, budgetsOf, recordTrafficMinutes } from './error-budget';
import { FakeRuntime } from '../runtime/fake';
import { ManualClock } from '../clock';

let tdb: TestDatabase;
let w: World;

beforeAll(async () => {
  tdb = await createTestDatabase();
  w = new World(tdb.db);
});
afterAll(async () => {
  await tdb.drop();
});

const MINUTE = 60_000;
const DAY = 86_400_000;

/** The budget as the minutes themselves give it (what the rollups must reproduce). */
async function fromMinutes(serviceId: string, environmentId: string, now: number) {
  const minutes = await tdb.db.trafficMinute.findMany({
    where: { serviceId, environmentId, minute: { gte: new Date(now - BUDGET_PERIOD_DAYS * DAY) } },
    select: { requests: true, errors: true },
  });
  return errorBudget({ sloAvailability: 99.5, minutes });
}

it('equals the budget computed from the minutes, after inserts, sampler upserts and deletes, wherever now falls', async () => {
  const s = await w.service({ name: 'rolled', slo: { availability: 99.5 } }, ['1.0.0']);
  const other = await w.service({ name: 'rolled-other', slo: { availability: 99.5 } }, ['1.0.0']);
  const env = await tdb.db.environment.findFirstOrThrow({ orderBy: { order: 'asc' } });
  const end = Date.UTC(2026, 5, 15, 13, 37);
  // 32 days of scattered minutes (some outside the window, some without traffic), deterministic.
  const rows = [];
  for (let m = end - 32 * DAY, i = 0; m < end; m += 7 * MINUTE, i++) {
    const requests = i % 11 === 0 ? 0 : 20 + (i % 37);
    rows.push({ serviceId: s.id, environmentId: env.id, minute: new Date(m), requests, errors: i % 5 === 0 ? Math.min(requests + 3, (i * 7) % 60) : 0 });
  }
  await tdb.db.trafficMinute.createMany({ data: rows });
  await tdb.db.trafficMinute.createMany({ data: rows.slice(0, 500).map((r) => ({ ...r, serviceId: other.id })) });
  // The sampler raises what a restarted router under-counted: an upsert through the real code.
  const runtime = new FakeRuntime(new ManualClock(end));
  runtime.traffic = async () => ({ v: { requests: 500, errors: 40, serverErrors: 40 } });
  await recordTrafficMinutes(tdb.db, runtime, s, env.id, end);
  await tdb.db.trafficMinute.deleteMany({ where: { serviceId: s.id, minute: { gte: new Date(end - 3 * DAY), lt: new Date(end - 2 * DAY) } } });
  await tdb.db.trafficMinute.updateMany({ where: { serviceId: s.id, minute: { gte: new Date(end - 10 * DAY), lt: new Date(end - 9 * DAY) } }, data: { errors: 1 } });

  const nows = [end, end - 17 * MINUTE, Date.UTC(2026, 5, 15, 13, 0), Date.UTC(2026, 5, 15, 0, 0), end - 5 * DAY + 123_456, end + 2 * DAY];
  for (const now of nows) {
    const expected = await fromMinutes(s.id, env.id, now);
    const got = await budgetOf(tdb.db, { id: s.id, sloAvailability: 99.5, budgetFreeze: false }, env.id, now);
    expect({ ...got, since: undefined, freezeWhenSpent: undefined }, new Date(now).toISOString()).toEqual({ ...expected, since: undefined, freezeWhenSpent: undefined });
    expect(got.minutesObserved).toBeGreaterThan(0);
    // Every cell at once (the overview's own read, by time range) agrees with one at a time, at every edge.
    const many = await budgetsOf(tdb.db, [s, other].map((x) => ({ id: x.id, sloAvailability: 99.5, budgetFreeze: false })), [env.id], now);
    expect(many.get(`${s.id}/${env.id}`), new Date(now).toISOString()).toMatchObject(expected);
    expect(many.get(`${other.id}/${env.id}`), new Date(now).toISOString()).toMatchObject(await fromMinutes(other.id, env.id, now));
  }

  // Deleting a service takes its minutes and rollups with it.
  await tdb.db.service.delete({ where: { id: other.id } });
  expect(await tdb.db.trafficRollup.count({ where: { serviceId: other.id } })).toBe(0);
});
