/**
 * The warm rollback window and post-promotion analysis, end to end through the service layer and
 * the real orchestrator on the in-memory runtime, under a manual clock. Given/when/then.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../testing/db';
import { ACTOR, World } from '../testing/fixtures';
import { claimDeployment, claimLeases } from '../state/leases';
import { rollbackService } from '../services/rollback';
import { getDeployment } from '../services/deployments';
import { createDeployment } from '../services/create-deployment';
import { listRollbackWindows } from '../services/notifications';
import { scheduleWarmCleanups } from './warm';

let tdb: TestDatabase;
beforeAll(async () => {
  tdb = await createTestDatabase();
});
afterAll(async () => {
  await tdb.drop();
});

const MIN = 60_000;

async function ids(w: World, service: string) {
  const rows = await w.db.version.findMany({ where: { service: { name: service } } });
  return Object.fromEntries(rows.map((v) => [v.semver, v.id])) as Record<string, string>;
}

/** Roll back and run the rollback deployment to its end; returns the answer and the runtime's actions after the commit. */
async function rollBack(w: World, service: string, body: Record<string, unknown> = {}) {
  const r = await rollbackService(w.ctx, service, body, ACTOR);
  const mark = w.runtime.log.length;
  const lease = (await claimDeployment(w.db, r.deploymentId!, 'worker-rb', w.clock.now()))!;
  await w.run(lease);
  return { r, after: w.runtime.log.slice(mark), d: await getDeployment(w.db, r.deploymentId!) };
}

describe('the warm rollback window', () => {
  it('after a rolling deployment succeeds the old version stays running out of rotation; a rollback inside the window starts no process and switches at once', async () => {
    const w = new World(tdb.db);
    await w.service({ name: 'warm-rolling', replicas: 3 }, ['1.0.0', '2.0.0']);
    await w.deploy('warm-rolling', { version: '1.0.0' });
    const d = await w.deploy('warm-rolling', { version: '2.0.0', strategy: 'rolling' });
    expect(d.state).toBe('succeeded');
    const v = await ids(w, 'warm-rolling');

    // Out of rotation, still running, for 15 minutes by default.
    const running = await w.runtime.list('warm-rolling');
    expect(running.filter((i) => i.versionId === v['1.0.0'] && i.state === 'running').map((i) => i.slot)).toEqual([0, 1, 2]);
    const routes = await w.runtime.getRoutes('warm-rolling');
    expect(routes!.versions.filter((x) => x.weight > 0 && (x.slots?.length ?? 1) > 0).map((x) => x.versionId)).toEqual([v['2.0.0']]);
    const opened = (await w.events(d.id)).find((e) => e.type === 'warm_window_opened')!;
    expect(opened.message).toMatch(/^v1\.0\.0 stays warm out of rotation \(3 instance\(s\)\) until /);
    const windows = await listRollbackWindows(w.ctx);
    expect(windows.windows).toEqual([{ service: 'warm-rolling', environment: 'production', version: '1.0.0', until: new Date(w.clock.now() + 15 * MIN).toISOString(), secondsLeft: 900, instances: 3 }]);

    // The dry run says so: a switch, nothing to start, with the time left.
    w.clock.advance(5 * MIN);
    const dry = await rollbackService(w.ctx, 'warm-rolling', { dryRun: true }, ACTOR);
    expect(dry).toMatchObject({ mode: 'deployment', target: '1.0.0', startsInstances: 0, warm: { version: '1.0.0', secondsLeft: 600, instances: 3 } });
    expect(dry.estimatedSeconds).toEqual({ min: 0, max: 0 });

    const { after, d: rb } = await rollBack(w, 'warm-rolling');
    expect(rb.state).toBe('succeeded');
    expect(rb.plan.steps.map((s) => s.kind)).toEqual(['route', 'drain_stop']);
    // No process started by the rollback; the first thing it did to the runtime was the switch.
    expect(after.filter((a) => a.kind === 'start')).toEqual([]);
    expect(after[0]).toMatchObject({ kind: 'route', table: { versions: [{ versionId: v['1.0.0'], weight: 100 }] } });
    expect(after.filter((a) => a.kind === 'stop').map((a) => a.versionId)).toEqual([v['2.0.0'], v['2.0.0'], v['2.0.0']]);
    const events = await w.events(rb.id);
    expect(events.map((e) => e.type)).toContain('warm_instances_adopted');
    expect(events.find((e) => e.type === 'rolled_back')!.message).toBe('Rolled back warm-rolling in production from v2.0.0 to v1.0.0');
    expect((await w.db.warmWindow.findFirstOrThrow({ where: { deploymentId: d.id } })).closedReason).toBe('used');
  });

  it('canary with a fraction kept warm: traffic moves to the warm instances first, the rest start after', async () => {
    const w = new World(tdb.db);
    await w.service({ name: 'warm-canary', replicas: 4, rollbackPolicy: { warmFraction: 0.5 } }, ['1.0.0', '2.0.0']);
    w.runtime.setLoad('warm-canary', 50);
    await w.deploy('warm-canary', { version: '1.0.0' });
    const d = await w.deploy('warm-canary', { version: '2.0.0', strategy: 'canary', params: { steps: [50], windowSeconds: 60, minSamples: 10 } });
    expect(d.state).toBe('succeeded');
    const v = await ids(w, 'warm-canary');
    expect((await w.runtime.list('warm-canary')).filter((i) => i.versionId === v['1.0.0']).map((i) => i.slot)).toEqual([0, 1]);

    const dry = await rollbackService(w.ctx, 'warm-canary', { dryRun: true }, ACTOR);
    expect(dry).toMatchObject({ startsInstances: 2, warm: { instances: 2 } });
    const { after, d: rb } = await rollBack(w, 'warm-canary');
    expect(rb.state).toBe('succeeded');
    expect(after[0]!.kind).toBe('route');
    expect(after.filter((a) => a.kind === 'start').map((a) => [a.versionId, (a as { slot: number }).slot])).toEqual([
      [v['1.0.0'], 2],
      [v['1.0.0'], 3],
    ]);
  });

  it('when the window ends a worker stops the warm instances under a lease of its own, never while a deployment holds the service', async () => {
    const w = new World(tdb.db);
    await w.service({ name: 'warm-expiry', replicas: 2, rollbackPolicy: { warmWindowMinutes: 10 } }, ['1.0.0', '2.0.0', '3.0.0']);
    await w.deploy('warm-expiry', { version: '1.0.0' });
    await w.deploy('warm-expiry', { version: '2.0.0' });
    const v = await ids(w, 'warm-expiry');
    expect(await scheduleWarmCleanups(w.db, w.clock.now())).toBe(0); // not over yet

    // A deployment holds the service when the window ends: the cleanup waits for it.
    w.clock.advance(11 * MIN);
    const busy = await w.start('warm-expiry', { version: '3.0.0', strategy: 'blue-green', params: { previewHold: true } });
    expect(await scheduleWarmCleanups(w.db, w.clock.now())).toBe(0);
    expect((await w.runtime.list('warm-expiry')).filter((i) => i.versionId === v['1.0.0'])).toHaveLength(2);
    await w.db.deployment.update({ where: { id: busy.id }, data: { control: { abort: { actor: ACTOR, reason: 'not now', markBad: false, at: w.clock.now() } } } });
    await w.run(busy.lease);
    // A failed deployment leaves the window open: v1.0.0 is still what a rollback of v2.0.0 returns to.
    expect((await listRollbackWindows(w.ctx)).windows.map((x) => x.version)).toEqual(['1.0.0']);

    expect(await scheduleWarmCleanups(w.db, w.clock.now())).toBe(1);
    expect(await scheduleWarmCleanups(w.db, w.clock.now())).toBe(0); // scheduled once
    // Meanwhile nobody may deploy the service: the lease is taken.
    await expect(createDeployment(w.ctx, 'warm-expiry', { version: '3.0.0' }, ACTOR)).rejects.toThrow(/locked by deployment/);
    const [lease] = await claimLeases(w.db, 'worker-x', w.clock.now(), 10);
    expect(lease).toBeDefined();
    expect(await w.orchestrator.advance(lease!)).toEqual({ status: 'done' });
    expect((await w.runtime.list('warm-expiry')).filter((i) => i.versionId === v['1.0.0'])).toEqual([]);
    expect(await w.db.lease.count({ where: { service: { name: 'warm-expiry' } } })).toBe(0);
    const window = await w.db.warmWindow.findFirstOrThrow({ where: { service: { name: 'warm-expiry' } } });
    expect(window.closedReason).toBe('expired');
    const d2 = await w.db.deployment.findFirstOrThrow({ where: { service: { name: 'warm-expiry' }, toVersion: { semver: '2.0.0' } } });
    expect((await w.events(d2.id)).at(-1)!.message).toBe('The 10 min rollback window of v1.0.0 ended: its 2 warm instance(s) stopped; a rollback now starts instances');

    // After the window a rollback starts instances, and says how long it should take.
    const dry = await rollbackService(w.ctx, 'warm-expiry', { dryRun: true }, ACTOR);
    expect(dry).toMatchObject({ warm: null, startsInstances: 2 });
    expect(dry.estimatedSeconds.max).toBeGreaterThan(0);
    const { after } = await rollBack(w, 'warm-expiry');
    expect(after.filter((a) => a.kind === 'start')).toHaveLength(2);
  });

  it('a later success ends the older window (its version is no longer a rollback target); 0 turns the window off', async () => {
    const w = new World(tdb.db);
    await w.service({ name: 'warm-chain', replicas: 1 }, ['1.0.0', '2.0.0', '3.0.0']);
    for (const version of ['1.0.0', '2.0.0', '3.0.0']) await w.deploy('warm-chain', { version });
    const v = await ids(w, 'warm-chain');
    const running = (await w.runtime.list('warm-chain')).map((i) => i.versionId).sort();
    expect(running).toEqual([v['2.0.0'], v['3.0.0']].sort());
    expect((await listRollbackWindows(w.ctx)).windows.filter((x) => x.service === 'warm-chain').map((x) => x.version)).toEqual(['2.0.0']);

    await w.service({ name: 'warm-off', replicas: 2, rollbackPolicy: { warmWindowMinutes: 0 } }, ['1.0.0', '2.0.0']);
    await w.deploy('warm-off', { version: '1.0.0' });
    await w.deploy('warm-off', { version: '2.0.0' });
    const off = await ids(w, 'warm-off');
    expect((await w.runtime.list('warm-off')).every((i) => i.versionId === off['2.0.0'])).toBe(true);
    expect((await rollbackService(w.ctx, 'warm-off', { dryRun: true }, ACTOR)).warm).toBeNull();
  });

  it('is per environment: a rollback in staging uses staging’s window and leaves production alone', async () => {
    const w = new World(tdb.db);
    // A second environment after production (the first, where calls naming none go, stays production).
    await w.db.environment.create({ data: { name: 'staging', order: 10, createdBy: ACTOR } });
    await w.service({ name: 'warm-envs', replicas: 1 }, ['1.0.0', '2.0.0']);
    for (const version of ['1.0.0', '2.0.0']) {
      for (const environment of ['production', 'staging']) expect((await w.deploy('warm-envs', { version, environment })).state).toBe('succeeded');
    }
    const staging = w.runtimeOf('staging');
    const prodBefore = structuredClone(await w.runtime.getRoutes('warm-envs'));
    const r = await rollbackService(w.ctx, 'warm-envs', { environment: 'staging' }, ACTOR);
    expect(r).toMatchObject({ environment: 'staging', warm: { version: '1.0.0' }, startsInstances: 0 });
    await w.run((await claimDeployment(w.db, r.deploymentId!, 'worker-s', w.clock.now()))!);
    const v = await ids(w, 'warm-envs');
    expect((await staging.getRoutes('warm-envs'))!.versions.filter((x) => x.weight > 0).map((x) => x.versionId)).toEqual([v['1.0.0']]);
    expect(await w.runtime.getRoutes('warm-envs')).toEqual(prodBefore);
    expect((await listRollbackWindows(w.ctx)).windows.filter((x) => x.service === 'warm-envs').map((x) => x.environment)).toEqual(['production']);
  });
});

describe('post-promotion analysis', () => {
  it('a version that errs at 100% is rolled back inside the window, instantly, with the reason; a healthy one succeeds after the window', async () => {
    const w = new World(tdb.db);
    await w.service(
      { name: 'verified', replicas: 2, rollbackPolicy: { postPromotionAnalysis: { windowSeconds: 120, minSamples: 50 } } },
      ['1.0.0', { version: '2.0.0', config: { DEMO_ERROR_RATE: '0.2' } }, '2.1.0'],
    );
    w.runtime.setLoad('verified', 20);
    await w.deploy('verified', { version: '1.0.0' });
    w.clock.advance(5 * MIN); // the previous version's figures, before the deployment
    const v = await ids(w, 'verified');
    const { id, lease } = await w.start('verified', { version: '2.0.0', strategy: 'rolling' });
    let mark = 0;
    await w.run(lease, { until: async () => (await w.events(id)).some((e) => e.type === 'analysis_failed') && ((mark = w.runtime.log.length), true) });
    await w.run(lease);
    const d = await getDeployment(w.db, id);
    expect(d.state).toBe('failed');
    expect(d.reason).toMatch(/^post-promotion analysis failed: error-rate/);
    const started = (await w.events(id)).find((e) => e.type === 'analysis_started')!;
    expect(started.message).toMatch(/^Post-promotion analysis of v2\.0\.0 at 100% started: window 120 s against v1\.0\.0's figures from the 120 s before the deployment \(2400 requests\)/);
    // The revert is a switch: nothing started, traffic back on v1.0.0 in its first action.
    const revert = w.runtime.log.slice(mark);
    expect(revert.filter((a) => a.kind === 'start')).toEqual([]);
    expect(revert[0]).toMatchObject({ kind: 'route', table: { versions: [{ versionId: v['1.0.0'], weight: 100 }] } });
    expect((await w.db.version.findUniqueOrThrow({ where: { id: v['2.0.0'] } })).bad).toBe(true);
    expect((await w.db.analysisMeasurement.count({ where: { deploymentId: id, canaryStep: -1 } })) > 0).toBe(true);

    const ok = await w.deploy('verified', { version: '2.1.0', strategy: 'blue-green', params: { scaleDownDelaySeconds: 0 } });
    expect(ok.state).toBe('succeeded');
    const passed = (await w.events(ok.id)).find((e) => e.type === 'analysis_passed')!;
    expect(passed.message).toMatch(/^Post-promotion analysis passed/);
    expect(passed.data.elapsedSeconds as number).toBeGreaterThanOrEqual(120);
  });
});
