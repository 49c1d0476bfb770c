/**
 * Rollback in depth through the service layer, run by the real orchestrator on the in-memory
 * runtime under a manual clock: migration-aware rollback (refusal, recorded override, down hooks
 * before the switch), rollback hooks (never blocking an emergency), what a rollback undoes, and
 * whole-release rollback in reverse dependency waves. Given/when/then.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../testing/db';
import { expectAppError } from '../testing/app-error';
import { ACTOR, World } from '../testing/fixtures';
import { claimDeployment } from '../state/leases';
import { rollbackService } from './rollback';
import { getDeployment } from './deployments';
import { advanceReleases, createRelease, getRelease } from './releases';
import { rollbackRelease } from './release-rollback';
import { listChanges } from './changes';
import { createSubscription } from './notifications';

let tdb: TestDatabase;
let server: http.Server;
let base = '';
const calls: string[] = [];
const failing = new Set<string>();
let w: World;

beforeAll(async () => {
  tdb = await createTestDatabase();
  w = new World(tdb.db);
  // Hooks call this server; each call is marked in the runtime's log, in order with its actions.
  server = http.createServer((req, res) => {
    const name = req.url!.slice(1);
    calls.push(name);
    w.runtime.mark(`hook:${name}`);
    res.writeHead(failing.has(name) ? 500 : 200).end(`ran ${name}`);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.close();
  await tdb.drop();
});

const hook = (name: string) => ({ name, type: 'http' as const, url: `${base}/${name}`, timeoutSeconds: 5 });

/** Run a deployment the rollback created (or aborted) to its end. */
async function run(id: string) {
  const lease = await claimDeployment(w.db, id, 'worker-rb', w.clock.now());
  if (lease) await w.run(lease);
  return getDeployment(w.db, id);
}

describe('migration-aware rollback', () => {
  it('refuses to roll back past an irreversible migration, naming it; an admin’s override with a reason is recorded; reversible ones run their down hook before traffic moves', async () => {
    await w.service({ name: 'ledger', replicas: 1 }, [
      { version: '1.0.0' },
      { version: '1.1.0', migrations: [{ id: 'add-index', reversible: true, down: hook('drop-index') }] },
      { version: '1.2.0', migrations: [{ id: 'drop-legacy-table', reversible: false }] },
    ] as never);
    for (const version of ['1.0.0', '1.1.0', '1.2.0']) await w.deploy('ledger', { version });

    // Back to 1.1.0 passes 1.2.0's irreversible migration: the dry run says so, the real one refuses.
    const dry = await rollbackService(w.ctx, 'ledger', { dryRun: true }, ACTOR);
    expect(dry.migrations).toEqual({
      undone: [{ version: '1.2.0', id: 'drop-legacy-table', reversible: false, action: 'irreversible' }],
      irreversible: [{ version: '1.2.0', id: 'drop-legacy-table', reversible: false, action: 'irreversible' }],
      refusal: 'rolling ledger back to v1.1.0 passes irreversible migration drop-legacy-table (v1.2.0) — an admin may override with a reason',
    });
    const before = await w.db.deployment.count();
    const refused = await expectAppError(rollbackService(w.ctx, 'ledger', {}, ACTOR), 'conflict', /passes irreversible migration drop-legacy-table \(v1\.2\.0\)/);
    expect(refused.details).toMatchObject({ migrations: [{ id: 'drop-legacy-table' }] });
    expect(await w.db.deployment.count()).toBe(before);
    expect((await w.db.version.findFirstOrThrow({ where: { semver: '1.2.0', service: { name: 'ledger' } } })).bad).toBe(false);
    await expectAppError(rollbackService(w.ctx, 'ledger', { override: true }, 'admin@x'), 'invalid', /an override needs a reason/);

    const r = await rollbackService(w.ctx, 'ledger', { override: { reason: 'the table was empty' } }, 'admin@x');
    const d = await run(r.deploymentId!);
    expect(d.state).toBe('succeeded');
    expect(d.overrides).toEqual([expect.objectContaining({ gate: 'migration', reason: 'the table was empty', actor: 'admin@x' })]);
    const overridden = (await w.events(d.id)).find((e) => e.type === 'gate_overridden')!;
    expect(overridden.message).toBe('migration gate overridden by admin@x (the table was empty): rolling back past irreversible migration(s) drop-legacy-table (v1.2.0)');

    // Then back to 1.0.0 (1.1.0 is current now): the irreversible migration is still applied — it
    // refuses again — and 1.1.0's reversible one runs its down hook before the switch.
    calls.length = 0;
    const mark = w.runtime.log.length;
    await expectAppError(rollbackService(w.ctx, 'ledger', {}, ACTOR), 'conflict', /passes irreversible migration drop-legacy-table/);
    const back = await rollbackService(w.ctx, 'ledger', { override: { reason: 'still empty' } }, 'admin@x');
    expect(back.migrations.undone).toEqual([
      { version: '1.2.0', id: 'drop-legacy-table', reversible: false, action: 'irreversible' },
      { version: '1.1.0', id: 'add-index', reversible: true, action: 'down_hook' },
    ]);
    const d2 = await run(back.deploymentId!);
    expect(d2.state).toBe('succeeded');
    expect(calls).toEqual(['drop-index']);
    const log = w.runtime.log.slice(mark);
    const down = log.find((a) => a.kind === 'external' && a.label === 'hook:drop-index')!.seq;
    expect(down).toBeLessThan(log.find((a) => a.kind === 'route')!.seq);
    const ran = (await w.events(d2.id)).find((e) => e.type === 'hook_succeeded')!;
    expect(ran.data).toMatchObject({ phase: 'migration_down', migration: { id: 'add-index', version: '1.1.0' } });
  });
});

describe('rollback hooks', () => {
  it('pre-rollback runs first and post-rollback after the switch; a failing pre-rollback hook never blocks an emergency rollback — recorded and alerted — but stops a planned one', async () => {
    await w.service({ name: 'hooked', replicas: 1, hooks: { pre: [], post: [], preRollback: [hook('freeze-writes')], postRollback: [hook('smoke')] } }, ['1.0.0', '2.0.0', '3.0.0']);
    await createSubscription(w.db, { name: 'oncall', service: 'hooked', url: 'http://127.0.0.1:1/never?token=s3cret' }, 'admin@x');
    for (const version of ['1.0.0', '2.0.0']) await w.deploy('hooked', { version });
    calls.length = 0;
    const mark = w.runtime.log.length;
    const d = await run((await rollbackService(w.ctx, 'hooked', {}, ACTOR)).deploymentId!);
    expect(d.state).toBe('succeeded');
    expect(calls).toEqual(['freeze-writes', 'smoke']);
    const log = w.runtime.log.slice(mark);
    const seq = (label: string) => log.find((a) => a.kind === 'external' && a.label === `hook:${label}`)!.seq;
    const route = log.find((a) => a.kind === 'route')!.seq;
    expect(seq('freeze-writes')).toBeLessThan(route);
    expect(seq('smoke')).toBeGreaterThan(route);
    const key = (await w.events(d.id)).find((e) => e.type === 'hook_started' && e.data.phase === 'pre_rollback');
    expect(key).toBeDefined();

    // The pre-rollback hook fails: the emergency rollback switches anyway, says so, and alerts.
    await w.deploy('hooked', { version: '3.0.0' });
    failing.add('freeze-writes');
    const r = await rollbackService(w.ctx, 'hooked', {}, ACTOR);
    const e = await run(r.deploymentId!);
    expect(e.state).toBe('succeeded');
    const failed = (await w.events(e.id)).find((x) => x.type === 'hook_failed')!;
    expect(failed.message).toBe('pre-rollback hook "freeze-writes" failed: HTTP 500 — recorded and alerted; the rollback goes on');
    const alerts = await w.db.notificationOutbox.findMany({ where: { deploymentId: e.id }, orderBy: { id: 'asc' } });
    expect(alerts.map((a) => a.kind)).toEqual(['rollback_hook_failed', 'rolled_back']);

    // A planned rollback (emergency: false) stops at the failing hook: nothing moved.
    await w.db.version.updateMany({ where: { service: { name: 'hooked' } }, data: { bad: false } });
    await w.deploy('hooked', { version: '3.0.0', force: true });
    const routes = await w.runtime.getRoutes('hooked');
    const planned = await run((await rollbackService(w.ctx, 'hooked', { emergency: false }, ACTOR)).deploymentId!);
    expect(planned.state).toBe('failed');
    expect(planned.reason).toBe('pre-rollback hook "freeze-writes" failed');
    expect(await w.runtime.getRoutes('hooked')).toEqual(routes);
    failing.delete('freeze-writes');
  });
});

describe('what a rollback undoes', () => {
  it('the versions, the commits (with the service’s compare template) and the config keys that change — never their values', async () => {
    await w.service({ name: 'checkout', replicas: 1, compareUrlTemplate: 'https://git.example.com/acme/checkout/compare/{from}...{to}' }, [
      { version: '4.0.0', config: { API_KEY: 'old-secret', LEGACY: '1' }, commitSha: 'a1b2c3d', changelogUrl: 'https://git.example.com/acme/checkout/pull/40' },
      { version: '4.1.0', config: { API_KEY: 'new-secret', FEATURE_X: 'on' }, commitSha: 'e4f5a6b', changelogUrl: 'https://git.example.com/acme/checkout/pull/41' },
    ] as never);
    for (const version of ['4.0.0', '4.1.0']) await w.deploy('checkout', { version });
    const dry = await rollbackService(w.ctx, 'checkout', { dryRun: true }, ACTOR);
    expect(dry.undoes).toEqual({
      versions: [{ version: '4.1.0', commitSha: 'e4f5a6b', changelogUrl: 'https://git.example.com/acme/checkout/pull/41', notes: '' }],
      compareUrl: 'https://git.example.com/acme/checkout/compare/a1b2c3d...e4f5a6b',
      config: { added: ['LEGACY'], removed: ['FEATURE_X'], changed: ['API_KEY'] },
    });
    expect(JSON.stringify(dry)).not.toMatch(/secret/);
    await run((await rollbackService(w.ctx, 'checkout', {}, ACTOR)).deploymentId!);
    const changes = await listChanges(w.db, { service: 'checkout' });
    const rb = changes.find((c) => c.kind === 'rollback')!;
    expect(rb.diff).toMatchObject({ compareUrl: 'https://git.example.com/acme/checkout/compare/a1b2c3d...e4f5a6b', config: { changed: ['API_KEY'] } });
  });
});

describe('release rollback', () => {
  /** Advance releases and run every deployment they start until the release ends. */
  async function settle(releaseId: string) {
    for (let i = 0; i < 50; i++) {
      await advanceReleases(w.ctx);
      const r = await getRelease(w.db, releaseId);
      if (r.state !== 'running') return r;
      for (const item of r.items) if (item.deployment && ['queued', 'running'].includes(item.deployment.state)) await run(item.deployment.id);
    }
    throw new Error(`release ${releaseId} did not end`);
  }

  it('rolls every service back in reverse dependency waves, dry run first; a wave that fails stops the rest and says which', async () => {
    await w.service({ name: 'rel-auth', replicas: 1 }, ['1.0.0', '1.1.0']);
    await w.service({ name: 'rel-api', replicas: 1, dependencies: ['rel-auth'], hooks: { pre: [], post: [], preRollback: [hook('rel-api-pre')], postRollback: [] } }, ['1.0.0', '1.1.0']);
    await w.service({ name: 'rel-web', replicas: 1, dependencies: ['rel-api'] }, ['1.0.0', '1.1.0']);
    await w.service({ name: 'rel-side', replicas: 1 }, ['1.0.0', '1.1.0']);
    const first = await createRelease(w.ctx, { items: ['rel-auth', 'rel-api', 'rel-web', 'rel-side'].map((service) => ({ service, version: '1.0.0' })) }, ACTOR);
    expect((await settle(first.id)).state).toBe('succeeded');
    const second = await createRelease(w.ctx, { items: ['rel-auth', 'rel-api', 'rel-web'].map((service) => ({ service, version: '1.1.0' })) }, ACTOR);
    expect((await settle(second.id)).waves).toEqual([['rel-auth'], ['rel-api'], ['rel-web']]);

    const dry = await rollbackRelease(w.ctx, second.id, { dryRun: true }, ACTOR);
    expect(dry.waves).toEqual([['rel-web'], ['rel-api'], ['rel-auth']]);
    expect(dry.items.map((i) => [i.service, i.wave, i.from, i.to, i.preview.warm?.version])).toEqual([
      ['rel-web', 0, '1.1.0', '1.0.0', '1.0.0'],
      ['rel-api', 1, '1.1.0', '1.0.0', '1.0.0'],
      ['rel-auth', 2, '1.1.0', '1.0.0', '1.0.0'],
    ]);
    expect(dry.release).toBeNull();
    expect(await w.db.release.count({ where: { kind: 'rollback' } })).toBe(0);
    // The first release moved nothing that can go back: every service was replaced since, or is on its first version.
    const firstPlan = await rollbackRelease(w.ctx, first.id, { dryRun: true }, ACTOR);
    expect(firstPlan.items).toEqual([]);
    expect(firstPlan.skipped).toContainEqual({ service: 'rel-side', reason: 'v1.0.0 was its first version: there is nothing to roll back to' });
    expect(firstPlan.skipped).toContainEqual({ service: 'rel-api', reason: 'v1.0.0 was its first version: there is nothing to roll back to' });
    await expectAppError(rollbackRelease(w.ctx, first.id, {}, ACTOR), 'conflict', /^nothing of release .* to roll back/);

    // rel-api's planned rollback fails at its pre-rollback hook: wave 2 fails, rel-auth is left alone.
    failing.add('rel-api-pre');
    const failed = await rollbackRelease(w.ctx, second.id, { emergency: false }, ACTOR);
    const end = await settle(failed.release!.id);
    expect(end.state).toBe('failed');
    expect(end.reason).toBe('wave 2 of 3 failed: rel-api v1.0.0 failed; not rolled back: rel-auth');
    expect(end.kind).toBe('rollback');
    expect(end.rollbackOf).toBe(second.id);
    const live = async (name: string) => (await w.db.releaseHistory.findFirstOrThrow({ where: { service: { name }, until: null }, include: { version: true } })).version.semver;
    expect([await live('rel-web'), await live('rel-api'), await live('rel-auth')]).toEqual(['1.0.0', '1.1.0', '1.1.0']);
    failing.delete('rel-api-pre');

    // Again, as an emergency: what is left goes back, dependents first.
    const again = await rollbackRelease(w.ctx, second.id, {}, ACTOR);
    expect(again.waves).toEqual([['rel-api'], ['rel-auth']]);
    expect(again.skipped).toEqual([{ service: 'rel-web', reason: "it now serves v1.0.0, not this release's v1.1.0: left alone" }]);
    const done = await settle(again.release!.id);
    expect(done.state).toBe('succeeded');
    expect([await live('rel-web'), await live('rel-api'), await live('rel-auth')]).toEqual(['1.0.0', '1.0.0', '1.0.0']);
    const order = await Promise.all(done.items.map(async (i) => ({ service: i.service, startedAt: (await getDeployment(w.db, i.deployment!.id)).startedAt! })));
    expect(order.sort((a, b) => a.startedAt.localeCompare(b.startedAt)).map((o) => o.service)).toEqual(['rel-api', 'rel-auth']);
    expect((await getRelease(w.db, second.id)).rollbacks.map((r) => r.state)).toEqual(['succeeded', 'failed']);
    await expectAppError(rollbackRelease(w.ctx, done.id, {}, ACTOR), 'conflict', /is itself a rollback/);
  });
});
