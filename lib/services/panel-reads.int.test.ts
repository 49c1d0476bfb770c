/**
 * The panel's reads on a real database with the in-memory runtime: the overview (health,
 * rollback target, in-flight progress), instances with rotation weight, and "what changed"
 * (order, filter, validation, traffic around each deployment).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../testing/db';
import { World } from '../testing/fixtures';
import { setRuntime } from '../runtime/registry';
import { getOverview } from './overview';
import { listChanges } from './changes';
import { listInstances } from './instances';

let tdb: TestDatabase;
let w: World;

beforeAll(async () => {
  tdb = await createTestDatabase();
  w = new World(tdb.db);
  w.clock.advance(Date.now() - w.clock.now()); // the fake's clock on wall time, like createdAt
  setRuntime(w.runtime);
  await w.service({ name: 'shop', replicas: 2 }, ['1.0.0', { version: '1.1.0', config: { DEMO_ERROR_RATE: '0.1' } }, '1.2.0']);
  await w.service({ name: 'idle' }, ['0.1.0']);
  w.runtime.setLoad('shop', 10);
  // createdAt comes from PostgreSQL's clock; here it is set to the test clock's, so that
  // "traffic around a change" reads the fake runtime's modelled traffic at the right time.
  const deploy = async (version: string) => {
    const { id, lease } = await w.start('shop', { version, strategy: 'rolling' });
    await tdb.db.deployment.update({ where: { id }, data: { createdAt: new Date(w.clock.now()) } });
    await w.run(lease);
    expect((await tdb.db.deployment.findUniqueOrThrow({ where: { id } })).state).toBe('succeeded');
  };
  await deploy('1.0.0');
  w.clock.advance(120_000);
  await deploy('1.1.0');
  w.clock.advance(60_000);
});
afterAll(async () => {
  await tdb.drop();
});

describe('overview', () => {
  it('gives live version, health, the rollback target and nothing in flight', async () => {
    const o = await getOverview(tdb.db, w.clock.now());
    expect(o.environments.map((e) => e.name)).toEqual(['production']);
    const shop = o.services.find((s) => s.name === 'shop')!.cells[0]!;
    expect(shop).toMatchObject({ environment: 'production', liveVersion: '1.1.0', rollbackTarget: '1.0.0', activeDeployment: null });
    // v1.0.0's two instances still run out of rotation (the warm rollback window): running, not serving.
    expect(shop.health).toMatchObject({ serving: 2, running: 4, exited: 0, status: 'healthy' });
    expect(shop.traffic!.requests).toBeGreaterThan(500);
    expect(shop.traffic!.errorRate).toBeCloseTo(0.1, 2);
    const idle = o.services.find((s) => s.name === 'idle')!.cells[0]!;
    expect(idle).toMatchObject({ liveVersion: null, rollbackTarget: null, health: { status: 'idle' } });
    expect(o.cursor).toBeGreaterThan(0);
  });

  it('shows a deployment in flight with its progress, and a rollback that returns to the live version', async () => {
    const { id, lease } = await w.start('shop', { version: '1.2.0', strategy: 'rolling' });
    const o = await getOverview(tdb.db, w.clock.now());
    const shop = o.services.find((s) => s.name === 'shop')!.cells[0]!;
    expect(shop.activeDeployment).toMatchObject({ id, to: '1.2.0', from: '1.1.0', step: 0 });
    expect(shop.activeDeployment!.totalSteps).toBeGreaterThan(2);
    expect(shop.rollbackTarget).toBe('1.1.0');
    await w.run(lease);
  });
});

describe('instances', () => {
  it('lists what runs with its weight and health', async () => {
    const r = await listInstances(tdb.db, 'shop');
    expect(r.available).toBe(true);
    // v1.1.0 stays warm for an instant rollback: running, out of rotation, and said so.
    expect(r.instances.map((i) => [i.version, i.health])).toEqual([
      ['1.1.0', 'warm'],
      ['1.1.0', 'warm'],
      ['1.2.0', 'serving'],
      ['1.2.0', 'serving'],
    ]);
    expect(r.instances.map((i) => i.weight > 0)).toEqual([false, false, true, true]);
  });

  it('refuses an unknown service with a 404', async () => {
    await expect(listInstances(tdb.db, 'nope')).rejects.toMatchObject({ code: 'not_found' });
  });
});

describe('what changed', () => {
  it('lists deployments, versions and services newest first, with traffic around each deployment', async () => {
    const changes = await listChanges(tdb.db, {}, w.clock.now());
    const at = changes.map((c) => c.at);
    expect([...at].sort().reverse()).toEqual(at);
    const deploys = changes.filter((c) => c.kind === 'deploy' && c.service === 'shop');
    expect(deploys.map((d) => d.to)).toEqual(['1.2.0', '1.1.0', '1.0.0']);
    const to11 = deploys[1]!;
    expect(to11.summary).toContain('v1.0.0 → v1.1.0');
    // Before v1.1.0: v1.0.0 served without errors; after it, 10 % of requests failed.
    expect(to11.before!.requests).toBeGreaterThan(0);
    expect(to11.before!.errorRate).toBe(0);
    expect(to11.after!.errorRate).toBeGreaterThan(0.05);
    expect(changes.some((c) => c.kind === 'service' && c.service === 'idle')).toBe(true);
    expect(changes.some((c) => c.kind === 'version' && c.to === '1.1.0' && c.summary.includes('DEMO_ERROR_RATE'))).toBe(true);
  });

  it("lists a service's settings changes from the audit log, but not refused ones", async () => {
    await tdb.db.auditEntry.create({ data: { actor: 'admin@example.com', action: 'service.update', target: 'service:idle', outcome: 'ok', status: 200 } });
    await tdb.db.auditEntry.create({ data: { actor: 'mallory@example.com', action: 'service.update', target: 'service:idle', outcome: 'denied', status: 403 } });
    const changes = await listChanges(tdb.db, { service: 'idle' });
    const config = changes.filter((c) => c.kind === 'config');
    expect(config).toHaveLength(1);
    expect(config[0]).toMatchObject({ service: 'idle', actor: 'admin@example.com', summary: 'Settings of idle changed' });
    await tdb.db.auditEntry.deleteMany({});
  });

  it('filters by service and limits the count', async () => {
    const only = await listChanges(tdb.db, { service: 'idle', limit: '5' });
    expect(only.every((c) => c.service === 'idle')).toBe(true);
    expect(only.length).toBe(2);
    expect(await listChanges(tdb.db, { limit: 1 })).toHaveLength(1);
  });

  it('refuses a bad limit or an unknown parameter with a 422 naming it', async () => {
    await expect(listChanges(tdb.db, { limit: '0' })).rejects.toMatchObject({ code: 'invalid', message: expect.stringContaining('limit') });
    await expect(listChanges(tdb.db, { limit: 'lots' })).rejects.toMatchObject({ code: 'invalid' });
    await expect(listChanges(tdb.db, { since: 'yesterday' })).rejects.toMatchObject({ code: 'invalid', message: expect.stringContaining('since') });
  });
});
