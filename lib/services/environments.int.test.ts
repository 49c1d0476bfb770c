/**
 * Environments, promotion gates, approvals and freeze windows on a real PostgreSQL, with the
 * real orchestrator on FakeRuntimes (one per environment) and a ManualClock: no sleeps.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../testing/db';
import { ACTOR, World } from '../testing/fixtures';
import { claimDeployment } from '../state/leases';
import { isAppError } from '../errors/app-error';
import { createDeployment } from './create-deployment';
import { getDeployment } from './deployments';
import { createEnvironment, getEnvironment, listEnvironments, updateEnvironment } from './environments';
import { approveDeployment, expireApprovals, listApprovals, rejectDeployment } from './approvals';
import { promoteVersion } from './promote';
import { createFreezeWindow, deleteFreezeWindow, listFreezeWindows } from './freeze-windows';
import { rollbackService } from './rollback';
import { getService } from './service-reads';

let tdb: TestDatabase;
let w: World;
const MIN = 60_000;

beforeAll(async () => {
  tdb = await createTestDatabase();
  w = new World(tdb.db);
  // The migrated database has one environment, production (order 0): staging goes first.
  await updateEnvironment(tdb.db, 'production', { order: 20 }, ACTOR);
  await createEnvironment(tdb.db, { name: 'staging', order: 10, soakMinutes: 30 }, ACTOR);
});
afterAll(async () => {
  await tdb.drop();
});

async function refusal(p: Promise<unknown>): Promise<{ code: string; message: string; details?: Record<string, unknown> }> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  if (!isAppError(e)) throw new Error(`expected a refusal, got ${String(e)}`);
  return e;
}

async function counts() {
  const [deployments, leases, events, approvals, windows] = await Promise.all([
    tdb.db.deployment.count(),
    tdb.db.lease.count(),
    tdb.db.event.count(),
    tdb.db.approval.count(),
    tdb.db.freezeWindow.count(),
  ]);
  return { deployments, leases, events, approvals, windows };
}

/** Deploy to an environment and run it to its end (no approvals involved). */
async function deploy(service: string, version: string, environment: string, extra: Record<string, unknown> = {}) {
  const r = await createDeployment(w.ctx, service, { version, environment, strategy: 'rolling', ...extra }, ACTOR);
  if (r.dryRun) throw new Error('dry run');
  const lease = await claimDeployment(tdb.db, r.deployment.id, 'worker-a', w.clock.now());
  await w.run(lease!);
  return getDeployment(tdb.db, r.deployment.id);
}

describe('environments', () => {
  it('are data, in order; calls that name none act on the first', async () => {
    const { environments } = await listEnvironments(tdb.db);
    expect(environments.map((e) => [e.name, e.order, e.default])).toEqual([
      ['staging', 10, true],
      ['production', 20, false],
    ]);
    expect(await getEnvironment(tdb.db, 'production')).toMatchObject({ previous: 'staging', next: null });
    await w.service({ name: 'web', replicas: 2 }, ['1.0.0', '1.1.0', '1.2.0']);
    const d = await deploy('web', '1.0.0', undefined as unknown as string);
    expect(d).toMatchObject({ environment: 'staging', state: 'succeeded' });
    expect((await getService(tdb.db, 'web')).liveVersion).toBe('1.0.0');
    expect((await getService(tdb.db, 'web', { environment: 'production' })).liveVersion).toBeNull();
  });

  it('refuse bad input with the field named, and write nothing', async () => {
    const before = await counts();
    expect(await refusal(getEnvironment(tdb.db, 'qa'))).toMatchObject({ code: 'not_found', message: expect.stringMatching(/environment qa not found/) });
    expect(await refusal(createEnvironment(tdb.db, { name: 'staging', order: 99 }, ACTOR))).toMatchObject({ code: 'conflict' });
    expect(await refusal(createEnvironment(tdb.db, { name: 'qa', order: 10 }, ACTOR))).toMatchObject({
      code: 'invalid',
      message: "order: 10 is already staging's; environments are ranked by distinct orders",
    });
    expect(await refusal(updateEnvironment(tdb.db, 'production', { order: 10 }, ACTOR))).toMatchObject({ code: 'invalid', message: expect.stringMatching(/^order: 10/) });
    expect(await refusal(createEnvironment(tdb.db, { name: 'Bad Name', order: 5 }, ACTOR))).toMatchObject({ code: 'invalid', message: expect.stringMatching(/^name:/) });
    expect(await refusal(createDeployment(w.ctx, 'web', { version: '1.1.0', environment: 'qa' }, ACTOR))).toMatchObject({ code: 'not_found' });
    expect(await counts()).toEqual(before);
    expect((await listEnvironments(tdb.db)).environments).toHaveLength(2);
  });
});

describe('promotion gate', () => {
  it('production needs the version to have succeeded in staging and soaked there', async () => {
    const before = await counts();
    const never = await refusal(createDeployment(w.ctx, 'web', { version: '1.0.0', environment: 'production' }, ACTOR));
    // 1.0.0 succeeded in staging just now: 0 of 30 minutes.
    expect(never).toMatchObject({ code: 'conflict', message: 'promotion gate: v1.0.0 has soaked 0 of 30 min in staging — an admin may override with a reason' });
    expect(await refusal(createDeployment(w.ctx, 'web', { version: '1.1.0', environment: 'production' }, ACTOR))).toMatchObject({
      message: expect.stringMatching(/^promotion gate: v1\.1\.0 has not succeeded in staging yet/),
    });
    expect(await counts()).toEqual(before);
    w.clock.advance(4 * MIN + 10_000);
    expect((await refusal(createDeployment(w.ctx, 'web', { version: '1.0.0', environment: 'production' }, ACTOR))).message).toMatch(/soaked 4 of 30 min in staging/);
    const dry = await createDeployment(w.ctx, 'web', { version: '1.0.0', environment: 'production', dryRun: true }, ACTOR);
    expect(dry.dryRun && dry.gates.find((g) => g.gate === 'promotion')).toMatchObject({ met: false, details: { soakedMinutes: 4, soakMinutes: 30 } });
    w.clock.advance(26 * MIN);
    const d = await deploy('web', '1.0.0', 'production');
    expect(d).toMatchObject({ environment: 'production', state: 'succeeded' });
    // Each environment has its own live version, history and instances.
    expect((await getService(tdb.db, 'web', { environment: 'production' })).liveVersion).toBe('1.0.0');
    expect((await w.runtimeOf('staging').list('web')).map((i) => i.semver)).toEqual(['1.0.0', '1.0.0']);
    expect((await w.runtime.list('web')).map((i) => i.semver)).toEqual(['1.0.0', '1.0.0']);
  });

  it('a version rolled back in staging never reaches production, unless an admin overrides with a reason (recorded)', async () => {
    await deploy('web', '1.1.0', 'staging');
    w.clock.advance(40 * MIN);
    const rb = await rollbackService(w.ctx, 'web', { environment: 'staging' }, ACTOR);
    await w.run((await claimDeployment(tdb.db, rb.deploymentId!, 'worker-a', w.clock.now()))!);
    const refused = await refusal(createDeployment(w.ctx, 'web', { version: '1.1.0', environment: 'production', force: true }, ACTOR));
    expect(refused.message).toMatch(/v1\.1\.0 is marked bad|was rolled back in staging/);
    expect(await refusal(createDeployment(w.ctx, 'web', { version: '1.2.0', environment: 'production', override: true }, ACTOR))).toMatchObject({
      code: 'invalid',
      message: expect.stringMatching(/^override: an override needs a reason/),
    });
    const d = await deploy('web', '1.2.0', 'production', { override: { reason: 'hotfix for INC-42, staging is down' } });
    expect(d.state).toBe('succeeded');
    expect(d.overrides).toEqual([expect.objectContaining({ gate: 'promotion', reason: 'hotfix for INC-42, staging is down', actor: ACTOR })]);
    const overridden = (await w.events(d.id)).find((e) => e.type === 'gate_overridden')!;
    expect(overridden.message).toMatch(/^promotion gate overridden by test@flightdeck \(hotfix for INC-42, staging is down\): v1\.2\.0 has not succeeded in staging yet/);
  });

  it('promote takes a version to the next environment with the strategy configured there', async () => {
    await w.service({ name: 'api', replicas: 1, defaultStrategy: 'rolling' }, ['2.0.0']);
    await updateEnvironment(tdb.db, 'production', { strategy: 'blue-green' }, ACTOR);
    await deploy('api', '2.0.0', 'staging');
    w.clock.advance(31 * MIN);
    const dry = await promoteVersion(w.ctx, 'api', { version: '2.0.0', dryRun: true }, ACTOR);
    expect(dry).toMatchObject({ dryRun: true, from: 'staging', to: 'production', strategy: 'blue-green' });
    const p = await promoteVersion(w.ctx, 'api', { to: 'production' }, ACTOR);
    expect(p.deployment).toMatchObject({ environment: 'production', strategy: 'blue-green', to: '2.0.0', reason: 'promoted from staging by test@flightdeck' });
    await w.run((await claimDeployment(tdb.db, p.deployment!.id, 'worker-a', w.clock.now()))!);
    expect(await refusal(promoteVersion(w.ctx, 'api', { version: '2.0.0' }, ACTOR))).toMatchObject({ message: 'v2.0.0 is already live in production, the last environment' });
    expect(await refusal(promoteVersion(w.ctx, 'api', { to: 'staging' }, ACTOR))).toMatchObject({ code: 'invalid', message: expect.stringMatching(/^to: staging is the first environment/) });
    await updateEnvironment(tdb.db, 'production', { strategy: null }, ACTOR);
  });
});

describe('approvals', () => {
  it('a protected environment waits for distinct approvers other than the requester; then it runs', async () => {
    await updateEnvironment(tdb.db, 'production', { protected: true, requiredApprovals: 2 }, ACTOR);
    await w.service({ name: 'pay', replicas: 1 }, ['3.0.0']);
    await deploy('pay', '3.0.0', 'staging');
    w.clock.advance(31 * MIN);
    const r = await createDeployment(w.ctx, 'pay', { version: '3.0.0', environment: 'production' }, ACTOR);
    if (r.dryRun) throw new Error('dry run');
    const id = r.deployment.id;
    expect(r.deployment).toMatchObject({ state: 'awaiting_approval', approval: { required: 2, decisions: [] } });
    // No lease yet: no worker may start it.
    expect(await claimDeployment(tdb.db, id, 'worker-a', w.clock.now())).toBeNull();
    expect((await listApprovals(tdb.db, 'alice@x')).approvals.map((a) => [a.id, a.mayDecide])).toEqual([[id, true]]);
    expect((await listApprovals(tdb.db, ACTOR)).approvals[0]).toMatchObject({ mayDecide: false, whyNot: 'you requested it' });

    const before = await counts();
    expect(await refusal(approveDeployment(w.ctx, id, {}, ACTOR))).toMatchObject({ code: 'conflict', message: `${ACTOR} requested this deployment; an approval must come from someone else` });
    expect(await counts()).toEqual(before);
    await approveDeployment(w.ctx, id, { comment: 'looks fine' }, 'alice@x');
    expect(await refusal(approveDeployment(w.ctx, id, {}, 'alice@x'))).toMatchObject({ code: 'conflict', message: 'alice@x already approved this deployment' });
    expect((await getDeployment(tdb.db, id)).state).toBe('awaiting_approval');
    const done = await approveDeployment(w.ctx, id, {}, 'bob@x');
    expect(done.state).toBe('queued');
    const lease = await claimDeployment(tdb.db, id, 'worker-a', w.clock.now());
    await w.run(lease!);
    expect((await getDeployment(tdb.db, id)).state).toBe('succeeded');
    const types = (await w.events(id)).map((e) => e.type);
    expect(types.slice(0, 5)).toEqual(['deployment_queued', 'awaiting_approval', 'approval_recorded', 'approved', 'deployment_started']);
    expect(types.at(-1)).toBe('deployment_completed');
    expect(await refusal(approveDeployment(w.ctx, id, {}, 'carol@x'))).toMatchObject({ code: 'conflict', message: `deployment ${id} is succeeded, not awaiting approval` });
  });

  it('one rejection ends the request; an unanswered one expires after its TTL', async () => {
    await w.service({ name: 'cart', replicas: 1 }, ['1.0.0', '1.1.0']);
    await deploy('cart', '1.0.0', 'staging');
    await deploy('cart', '1.1.0', 'staging');
    w.clock.advance(31 * MIN);
    const a = await createDeployment(w.ctx, 'cart', { version: '1.1.0', environment: 'production', override: { reason: 'cart 1.0.0 never went to production' } }, ACTOR);
    if (a.dryRun) throw new Error('dry run');
    const rejected = await rejectDeployment(w.ctx, a.deployment.id, { comment: 'not during the sale' }, 'alice@x');
    expect(rejected).toMatchObject({ state: 'aborted', reason: 'rejected by alice@x: not during the sale' });
    expect((await w.events(a.deployment.id)).map((e) => e.type).slice(-2)).toEqual(['rejected', 'deployment_aborted']);

    const b = await createDeployment(w.ctx, 'cart', { version: '1.1.0', environment: 'production', override: { reason: 'again' } }, ACTOR);
    if (b.dryRun) throw new Error('dry run');
    expect(await expireApprovals(w.ctx, w.clock.now())).toBe(0);
    w.clock.advance(24 * 60 * MIN + 1);
    expect(await expireApprovals(w.ctx, w.clock.now())).toBe(1);
    expect(await getDeployment(tdb.db, b.deployment.id)).toMatchObject({ state: 'aborted', reason: 'approval expired' });
    expect((await w.events(b.deployment.id)).map((e) => e.type).slice(-2)).toEqual(['approval_expired', 'deployment_aborted']);
  });

  it('rollbacks never wait for approval', async () => {
    const rb = await rollbackService(w.ctx, 'web', { environment: 'production' }, 'oncall@x');
    expect(rb.deployment).toMatchObject({ environment: 'production', kind: 'rollback', state: 'queued', actor: 'oncall@x', approval: null });
    await w.run((await claimDeployment(tdb.db, rb.deploymentId!, 'worker-a', w.clock.now()))!);
    await updateEnvironment(tdb.db, 'production', { protected: false, requiredApprovals: 0 }, ACTOR);
  });
});

describe('freeze windows', () => {
  it('refuse deploys and promotions while open, naming the window and its end; rollbacks pass', async () => {
    await w.service({ name: 'shop', replicas: 1 }, ['1.0.0', '1.1.0', '1.2.0']);
    for (const v of ['1.0.0', '1.1.0']) {
      await deploy('shop', v, 'staging');
      w.clock.advance(31 * MIN);
      await deploy('shop', v, 'production');
    }
    await deploy('shop', '1.2.0', 'staging');
    w.clock.advance(31 * MIN);
    const now = w.clock.now();
    const win = await createFreezeWindow(
      tdb.db,
      { reason: 'Black Friday', startsAt: new Date(now - MIN).toISOString(), endsAt: new Date(now + 60 * MIN).toISOString(), environments: ['production'] },
      ACTOR,
      now,
    );
    const before = await counts();
    const refused = await refusal(createDeployment(w.ctx, 'shop', { version: '1.2.0', environment: 'production' }, ACTOR));
    expect(refused.message).toBe(`freeze gate: frozen until ${new Date(now + 60 * MIN).toISOString()}: Black Friday — an admin may override with a reason`);
    expect((await refusal(promoteVersion(w.ctx, 'shop', { version: '1.2.0' }, ACTOR))).message).toMatch(/^freeze gate: frozen until/);
    expect(await counts()).toEqual(before);
    // Staging is not frozen.
    expect((await createDeployment(w.ctx, 'shop', { version: '1.1.0', environment: 'staging', dryRun: true }, ACTOR)).dryRun).toBe(true);
    // A rollback during the freeze goes through.
    const rb = await rollbackService(w.ctx, 'shop', { environment: 'production' }, 'oncall@x');
    expect(rb).toMatchObject({ target: '1.0.0', deployment: { state: 'queued', environment: 'production' } });
    await w.run((await claimDeployment(tdb.db, rb.deploymentId!, 'worker-a', w.clock.now()))!);
    // An admin override with a reason goes through, recorded.
    const o = await deploy('shop', '1.2.0', 'production', { override: { reason: 'fixes checkout outage' } });
    expect(o.overrides).toEqual([expect.objectContaining({ gate: 'freeze', reason: 'fixes checkout outage' })]);
    await deleteFreezeWindow(tdb.db, win.id, ACTOR);
  });

  it('recurring windows follow their cron in their time zone; overlapping periods merge; bad input is named', async () => {
    const now = w.clock.now(); // 2026-01-01T00:00Z plus the minutes above: a Thursday
    const every = await createFreezeWindow(tdb.db, { reason: 'nightly batch', cron: '0 0 * * *', durationMinutes: 24 * 60, timeZone: 'UTC' }, ACTOR, now);
    const overlap = await createFreezeWindow(
      tdb.db,
      { reason: 'release train', startsAt: new Date(now + 10 * 60 * MIN).toISOString(), endsAt: new Date(now + 30 * 60 * MIN).toISOString() },
      ACTOR,
      now,
    );
    const { periods, windows } = await listFreezeWindows(tdb.db, now);
    expect(windows.find((x) => x.id === every.id)).toMatchObject({ active: true });
    expect(periods[0]).toMatchObject({ active: true, reasons: ['nightly batch', 'release train'], windows: [every.id, overlap.id] });
    expect((await refusal(createDeployment(w.ctx, 'shop', { version: '1.0.0', environment: 'staging' }, ACTOR))).message).toMatch(/^freeze gate: frozen until .*nightly batch/);

    const before = await counts();
    expect(await refusal(createFreezeWindow(tdb.db, { reason: 'x', cron: '61 * * * *', durationMinutes: 5 }, ACTOR, now))).toMatchObject({
      code: 'invalid',
      message: expect.stringMatching(/^cron: "61 \* \* \* \*" does not parse/),
      details: { field: 'cron', value: '61 * * * *' },
    });
    expect(await refusal(createFreezeWindow(tdb.db, { reason: 'x', cron: '0 * * *', durationMinutes: 5 }, ACTOR, now))).toMatchObject({ message: expect.stringMatching(/^cron: expected 5 fields/) });
    expect(await refusal(createFreezeWindow(tdb.db, { reason: 'x', cron: '0 0 * * *', durationMinutes: 5, timeZone: 'Mars/Olympus' }, ACTOR, now))).toMatchObject({ message: expect.stringMatching(/^timeZone: unknown time zone/) });
    expect(await refusal(createFreezeWindow(tdb.db, { reason: 'x', startsAt: new Date(now).toISOString() }, ACTOR, now))).toMatchObject({ message: expect.stringMatching(/^endsAt: a one-off window needs both/) });
    expect(await refusal(createFreezeWindow(tdb.db, { reason: 'x', startsAt: new Date(now).toISOString(), endsAt: new Date(now - 1).toISOString() }, ACTOR, now))).toMatchObject({ message: expect.stringMatching(/^endsAt: must be after startsAt/) });
    expect(await refusal(createFreezeWindow(tdb.db, { reason: 'x', cron: '0 0 * * *' }, ACTOR, now))).toMatchObject({ message: expect.stringMatching(/^durationMinutes:/) });
    expect(await refusal(createFreezeWindow(tdb.db, { reason: 'x', startsAt: new Date(now).toISOString(), endsAt: new Date(now + 1).toISOString(), environments: ['qa'] }, ACTOR, now))).toMatchObject({ code: 'not_found' });
    expect(await refusal(createFreezeWindow(tdb.db, { reason: '  ', cron: '0 0 * * *', durationMinutes: 5 }, ACTOR, now))).toMatchObject({ message: expect.stringMatching(/^reason:/) });
    expect(await refusal(deleteFreezeWindow(tdb.db, 'nope', ACTOR))).toMatchObject({ code: 'not_found' });
    expect(await counts()).toEqual(before);
    await deleteFreezeWindow(tdb.db, every.id, ACTOR);
    await deleteFreezeWindow(tdb.db, overlap.id, ACTOR);
  });
});
