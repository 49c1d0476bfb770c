/**
 * Insights from stored history on a real database: a success, a success later rolled back and
 * the rollback itself give two changes, one failed and restored; the default environment is the
 * last by order; a window other than 7, 30 or 90 days is refused by name.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../testing/db';
import { World } from '../testing/fixtures';
import { expectAppError } from '../testing/app-error';
import { claimDeployment } from '../state/leases';
import { createEnvironment } from './environments';
import { rollbackService } from './rollback';
import { getInsights } from './insights';

let tdb: TestDatabase;
let w: World;
const DAY = 86_400_000;

beforeAll(async () => {
  tdb = await createTestDatabase();
  w = new World(tdb.db);
  const now = Date.now();
  w.clock.advance(now - 3 * DAY - w.clock.now());
  await w.service({ name: 'shop' }, ['1.0.0', '1.1.0']);
  await tdb.db.version.updateMany({ data: { createdAt: new Date(now - 4 * DAY) } });
  await w.deploy('shop', { version: '1.0.0', strategy: 'rolling' });
  w.clock.advance(DAY);
  await w.deploy('shop', { version: '1.1.0', strategy: 'rolling' });
  w.clock.advance(3_600_000);
  const back = await rollbackService(w.ctx, 'shop', {}, 'pager');
  const lease = await claimDeployment(tdb.db, back.deploymentId!, 'worker-a', w.clock.now());
  await w.run(lease!);
}, 120_000);
afterAll(async () => {
  await tdb.drop();
});

describe('insights', () => {
  it('counts changes, failures and restores from the stored history', async () => {
    const i = await getInsights(tdb.db, { days: '7', environment: 'production' });
    expect(i.environment).toBe('production');
    expect(i.overall.deployments).toBe(2);
    expect(i.overall.changeFailureRate).toEqual({ rate: 0.5, failed: 1, changes: 2 });
    expect(i.overall.timeToRestore.count).toBe(1);
    // v1.1.0 went live, then about an hour later the rollback finished.
    expect(i.overall.timeToRestore.medianSeconds).toBeGreaterThan(3000);
    expect(i.overall.timeToRestore.medianSeconds).toBeLessThan(4000);
    expect(i.overall.leadTime.medianSeconds).toBeGreaterThan(DAY / 1000);
    expect(i.overall.trend).toHaveLength(7);
    expect(i.overall.trend.reduce((n, t) => n + t.deployments, 0)).toBe(2);
    expect(i.services).toEqual([expect.objectContaining({ service: 'shop', deployments: 2 })]);
  });

  it('names no environment: the last by order, closest to users', async () => {
    await createEnvironment(tdb.db, { name: 'edge', order: 50 }, 'admin');
    const i = await getInsights(tdb.db, {});
    expect([i.environment, i.days, i.bucket, i.overall.deployments]).toEqual(['edge', 30, 'day', 0]);
    expect((await getInsights(tdb.db, { days: '90', environment: 'production' })).bucket).toBe('week');
  });

  it('refuses a window other than 7, 30 or 90 days, and an unknown service, by name', async () => {
    await expectAppError(getInsights(tdb.db, { days: '14' }), 'invalid', /days must be 7, 30 or 90/);
    await expectAppError(getInsights(tdb.db, { service: 'nope' }), 'not_found', /service nope not found/);
    await expectAppError(getInsights(tdb.db, { surprise: '1' }), 'invalid', /surprise/);
  });
});
