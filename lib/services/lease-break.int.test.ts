/** Breaking a lease: the old holder is fenced out at once and another worker resumes the deployment. */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../testing/db';
import { World } from '../testing/fixtures';
import { claimLeases, renewLease } from '../state/leases';
import { getDeployment } from './deployments';
import { breakLease } from './lease-break';

let tdb: TestDatabase;
let w: World;

beforeAll(async () => {
  tdb = await createTestDatabase();
  w = new World(tdb.db);
  await w.service({ name: 'stuck', replicas: 1 }, ['1.0.0']);
});
afterAll(async () => {
  await tdb.drop();
});

it('fences the stuck holder, leaves the lease claimable, records who broke it; refuses when there is none', async () => {
  const { id, lease } = await w.start('stuck', { version: '1.0.0', strategy: 'rolling' }, 'worker-stuck');
  const r = await breakLease(w.ctx, 'stuck', { reason: 'worker hung' }, 'admin@example.com');
  expect(r).toMatchObject({ deploymentId: id, previousOwner: 'worker-stuck', previousToken: lease.token });
  // The old holder can neither heartbeat nor write any more.
  expect(await renewLease(tdb.db, lease, w.clock.now())).toBe(false);
  const events = await w.events(id);
  expect(events.at(-1)).toMatchObject({ type: 'lease_broken', actor: 'admin@example.com' });
  expect(events.at(-1)!.message).toContain('worker hung');
  // Another worker takes it at once and finishes the deployment.
  const [taken] = await claimLeases(tdb.db, 'worker-b', w.clock.now(), 10);
  expect(taken).toMatchObject({ deploymentId: id, owner: 'worker-b' });
  expect(taken!.token).toBeGreaterThan(lease.token);
  await w.run(taken!);
  expect((await getDeployment(tdb.db, id)).state).toBe('succeeded');

  await expect(breakLease(w.ctx, 'stuck', {}, 'admin@example.com')).rejects.toMatchObject({ code: 'conflict', message: expect.stringContaining('holds no lease') });
  await expect(breakLease(w.ctx, 'nope', {}, 'admin@example.com')).rejects.toMatchObject({ code: 'not_found' });
  await expect(breakLease(w.ctx, 'stuck', { why: 'x' }, 'admin@example.com')).rejects.toMatchObject({ code: 'invalid' });
});
