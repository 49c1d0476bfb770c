import { describe, expect, it } from 'vitest';
import { planDeployment } from './plan';
import { planRevert } from './revert';
import { planExtras, resolveRollbackPolicy, warmSlotCount } from './rollback-policy';
import { migrationsToUndo, irreversibleRefusal } from './migrations';
import { compareUrl, versionChange, type VersionFacts } from './version-diff';
import { previewPlan } from './preview';
import { describeSteps } from './describe';
import { resolveHealthPolicy } from './health-policy';
import type { Hooks, PlanInput, Step } from './types';
import { expectAppError, kinds, NO_HOOKS } from '../testing/engine';

const warm = { slots: 3, seconds: 900 };
const base = (over: Partial<PlanInput>): PlanInput => ({ strategy: 'rolling', params: {}, replicas: 3, hasOld: true, hooks: NO_HOOKS, ...over });
const stopsOld = (steps: Step[]) => steps.filter((s): s is Extract<Step, { kind: 'drain_stop' }> => s.kind === 'drain_stop').flatMap((s) => s.instances.filter((i) => i.role === 'old').map((i) => i.slot));

describe('the warm rollback window in every plan that replaces a version', () => {
  it.each(['rolling', 'blue-green', 'canary'] as const)('%s: no old instance is stopped; the plan ends keeping them warm, out of rotation', (strategy) => {
    const plan = planDeployment(base({ strategy, warm, params: strategy === 'canary' ? { steps: [50] } : {} }));
    expect(stopsOld(plan.steps)).toEqual([]);
    const last = plan.steps.at(-1)!;
    expect(last).toEqual({ kind: 'keep_warm', instances: [0, 1, 2].map((slot) => ({ role: 'old', slot })), seconds: 900 });
    // Out of rotation first: the last route sends everything to the new version before.
    const lastRoute = plan.steps.filter((s) => s.kind === 'route').at(-1)!;
    expect(lastRoute.kind === 'route' && (lastRoute.route.mode === 'weights' ? lastRoute.route.newWeight === 100 : lastRoute.route.old.length === 0)).toBe(true);
  });

  it('a fraction keeps the first slots warm and the step stops the others', () => {
    const plan = planDeployment(base({ replicas: 4, warm: { slots: warmSlotCount(4, 0.5), seconds: 60 } }));
    expect(plan.steps.at(-1)).toEqual({ kind: 'keep_warm', instances: [{ role: 'old', slot: 0 }, { role: 'old', slot: 1 }], seconds: 60 });
    expect(warmSlotCount(3, 0.5)).toBe(2);
    expect(warmSlotCount(3, 0.01)).toBe(1);
    expect(warmSlotCount(3, 1)).toBe(3);
  });

  it('rolling with maxUnavailable: the slots taken down first stay stopped, the others are kept warm', () => {
    const plan = planDeployment(base({ replicas: 4, params: { maxSurge: 1, maxUnavailable: 1 }, warm: { slots: 4, seconds: 60 } }));
    expect(stopsOld(plan.steps)).toEqual([0, 2]);
    expect(plan.steps.at(-1)).toEqual({ kind: 'keep_warm', instances: [{ role: 'old', slot: 1 }, { role: 'old', slot: 3 }], seconds: 60 });
  });

  it('without a window (0) the old instances stop as before; a first deployment and recreate keep nothing', () => {
    const off = planDeployment(base({ ...planExtras(resolveRollbackPolicy({ warmWindowMinutes: 0 }), 3, { hasOld: true, kind: 'deploy' }) }));
    expect(stopsOld(off.steps)).toEqual([0, 1, 2]);
    expect(kinds(off.steps)).not.toContain('keep_warm');
    expect(kinds(planDeployment(base({ hasOld: false, ...planExtras(resolveRollbackPolicy({}), 3, { hasOld: false, kind: 'deploy' }) })).steps)).not.toContain('keep_warm');
    const recreate = planDeployment(base({ strategy: 'recreate', warm }));
    expect(kinds(recreate.steps)).not.toContain('keep_warm');
    expect(stopsOld(recreate.steps)).toEqual([0, 1, 2]);
  });

  it('blue-green keeps its scale-down delay, then the warm window', () => {
    const plan = planDeployment(base({ strategy: 'blue-green', params: { scaleDownDelaySeconds: 30 }, warm }));
    expect(kinds(plan.steps).slice(-3)).toEqual(['route', 'delay', 'keep_warm']);
  });

  it('the policy: defaults 15 min and every instance, bad values named', () => {
    expect(resolveRollbackPolicy(undefined)).toEqual({ warmWindowMinutes: 15, warmFraction: 1, postPromotion: null });
    expect(planExtras(resolveRollbackPolicy({}), 3, { hasOld: true, kind: 'deploy' })).toEqual({ warm: { slots: 3, seconds: 900 } });
    expect(planExtras(resolveRollbackPolicy({}), 3, { hasOld: true, kind: 'rollback' })).toEqual({});
    expectAppError(() => resolveRollbackPolicy({ warmWindowMinutes: -1 }), 'invalid', /warmWindowMinutes must be ≥ 0/);
    expectAppError(() => resolveRollbackPolicy({ warmFraction: 0 }), 'invalid', /warmFraction must be more than 0/);
    expectAppError(() => resolveRollbackPolicy({ warmWindow: 5 }), 'invalid', /warmWindow/);
  });
});

describe('post-promotion analysis', () => {
  it.each(['rolling', 'blue-green', 'canary', 'recreate'] as const)('%s: analyses at full traffic after the last route and post hooks, before the old version is retired', (strategy) => {
    const hooks: Hooks = { pre: [], post: [{ name: 'smoke', type: 'command', command: 'true' }] };
    const plan = planDeployment(base({ strategy, hooks, verify: { windowSeconds: 120, minSamples: 50 }, warm, params: strategy === 'canary' ? { steps: [50] } : {} }));
    const k = kinds(plan.steps);
    const v = k.indexOf('verify');
    expect(v).toBeGreaterThan(k.lastIndexOf('route'));
    expect(v).toBeGreaterThan(k.lastIndexOf('hook'));
    if (strategy !== 'recreate') expect(k.at(-1)).toBe('keep_warm');
    // Until it passed, every old instance still runs (but recreate's, stopped first): a failure is a traffic switch.
    if (strategy !== 'recreate') expect(stopsOld(plan.steps.slice(0, v))).toEqual([]);
  });

  it('rolling keeps the old set to the end even without a warm window, so harm is undone by a switch', () => {
    const plan = planDeployment(base({ verify: { windowSeconds: 60, minSamples: 10 } }));
    const k = kinds(plan.steps);
    expect(stopsOld(plan.steps.slice(0, k.indexOf('verify')))).toEqual([]);
    expect(plan.steps.at(-1)).toEqual({ kind: 'drain_stop', instances: [0, 1, 2].map((slot) => ({ role: 'old', slot })) });
  });

  it('is described and timed for people', () => {
    const plan = planDeployment(base({ verify: { windowSeconds: 120, minSamples: 50 }, warm }));
    const texts = describeSteps(plan).map((d) => d.text);
    expect(texts).toContain("Analyse the new version at 100% for 120 s against the previous version's figures (at least 50 requests); roll back at once on harm");
    expect(texts.at(-1)).toBe('Keep old instance slots 0–2 running out of rotation for 15 min (instant rollback), stop any other old instance');
    const p = previewPlan(plan, { health: resolveHealthPolicy({}), drainSeconds: 10, missingConfigKeys: [], dependencies: [], lease: null });
    expect(p.initialTraffic.oldPercent).toBe(100);
    expect(p.steps.find((s) => s.step.kind === 'verify')!.seconds).toEqual({ min: 120, max: 120 });
  });
});

describe('the rollback plan', () => {
  const hooks: Hooks = {
    pre: [],
    post: [],
    preRollback: [{ name: 'page-oncall', type: 'command', command: 'true' }],
    postRollback: [{ name: 'smoke', type: 'command', command: 'true', timeoutSeconds: 30 }],
  };
  const downs = [{ version: '2.3.0', migration: 'add-index', hook: { name: 'drop-index', type: 'command' as const, command: 'true' } }];

  it('inside the warm window: no start at all, the switch and the cleanup', () => {
    const plan = planDeployment(base({ kind: 'rollback', strategy: 'blue-green', targetRunning: [0, 1, 2] }));
    expect(kinds(plan.steps)).toEqual(['route', 'drain_stop']);
  });

  it('a partly warm set: traffic moves first, the missing slots start after', () => {
    const plan = planDeployment(base({ kind: 'rollback', strategy: 'blue-green', targetRunning: [0] }));
    expect(plan.steps).toEqual([
      { kind: 'route', route: { mode: 'weights', newWeight: 100 } },
      { kind: 'start', instances: [{ role: 'new', slot: 1 }, { role: 'new', slot: 2 }] },
      { kind: 'await_ready', instances: [{ role: 'new', slot: 1 }, { role: 'new', slot: 2 }] },
      { kind: 'drain_stop', instances: [0, 1, 2].map((slot) => ({ role: 'old', slot })) },
    ]);
  });

  it('cold: start and await everything before the switch; slots beyond the replicas are ignored', () => {
    const plan = planDeployment(base({ kind: 'rollback', strategy: 'blue-green', targetRunning: [7] }));
    expect(kinds(plan.steps)).toEqual(['start', 'await_ready', 'route', 'drain_stop']);
    expectAppError(() => planDeployment(base({ kind: 'rollback', targetRunning: [-1] })), 'invalid', /targetRunning slot -1/);
  });

  it('hooks and migrations: pre-rollback first (never blocking an emergency), downs before the switch, post-rollback after it', () => {
    const plan = planDeployment(base({ kind: 'rollback', strategy: 'blue-green', hooks, migrationDowns: downs, targetRunning: [0, 1, 2] }));
    expect(plan.steps).toEqual([
      { kind: 'hook', phase: 'pre_rollback', index: 0, name: 'page-oncall', blocking: false },
      { kind: 'hook', phase: 'migration_down', index: 0, name: 'add-index of v2.3.0' },
      { kind: 'route', route: { mode: 'weights', newWeight: 100 } },
      { kind: 'hook', phase: 'post_rollback', index: 0, name: 'smoke', blocking: false },
      { kind: 'drain_stop', instances: [0, 1, 2].map((slot) => ({ role: 'old', slot })) },
    ]);
    expect(plan.migrationDowns).toEqual(downs);
    // A planned (not emergency) rollback waits on its pre-rollback hooks.
    const planned = planDeployment(base({ kind: 'rollback', hooks, emergency: false }));
    expect(planned.steps[0]).toEqual({ kind: 'hook', phase: 'pre_rollback', index: 0, name: 'page-oncall' });
    const p = previewPlan(plan, { health: resolveHealthPolicy({}), drainSeconds: 10, missingConfigKeys: [], dependencies: [], lease: null, hooks });
    expect(p.steps[3]!.seconds).toEqual({ min: 0, max: 30 });
    expect(p.steps[0]!.description).toBe('Pre-rollback hook 1/1: page-oncall (a failure is recorded and alerted, never blocking)');
  });

  it('a revert asked for as a rollback runs the same hooks and downs around its switch', () => {
    const steps = planRevert({ replicas: 2, hasOld: true, oldRunning: [0, 1], newRunning: [0], rollback: { hooks, downs } });
    expect(kinds(steps)).toEqual(['hook', 'hook', 'route', 'hook', 'drain_stop']);
    expect(steps.map((s) => (s.kind === 'hook' ? s.phase : s.kind))).toEqual(['pre_rollback', 'migration_down', 'route', 'post_rollback', 'drain_stop']);
    expect(kinds(planRevert({ replicas: 2, hasOld: true, oldRunning: [0, 1], newRunning: [0] }))).toEqual(['route', 'drain_stop']);
  });
});

describe('migrations a rollback undoes', () => {
  const m = (id: string, reversible: boolean, down = reversible) => ({ id, reversible, ...(down ? { down: { name: `undo ${id}`, type: 'command' as const, command: 'true' } } : {}) });
  const versions = [
    { id: 'a', semver: '1.0.0', migrations: [m('base', false)] },
    { id: 'b', semver: '1.1.0', migrations: [m('base', false), m('add-col', true), m('backfill', true, false)] },
    { id: 'c', semver: '1.2.0', migrations: [m('drop-legacy', false)] },
  ];
  const history = [
    { versionId: 'a', semver: '1.0.0', from: 1, until: 2 },
    { versionId: 'b', semver: '1.1.0', from: 2, until: 3 },
    { versionId: 'c', semver: '1.2.0', from: 3, until: null },
  ];

  it('every version after the target, newest first, each in reverse order; the target’s own are kept', () => {
    const r = migrationsToUndo({ history, versions, targetVersionId: 'a' });
    expect(r.undone.map((u) => `${u.version}:${u.id}:${u.action}`)).toEqual(['1.2.0:drop-legacy:irreversible', '1.1.0:backfill:nothing_to_run', '1.1.0:add-col:down_hook']);
    expect(r.irreversible.map((u) => u.id)).toEqual(['drop-legacy']);
    expect(r.downs.map((d) => `${d.version}:${d.migration}:${d.hook.name}`)).toEqual(['1.1.0:add-col:undo add-col']);
    expect(irreversibleRefusal('pay', '1.0.0', r.irreversible).message).toBe('rolling pay back to v1.0.0 passes irreversible migration drop-legacy (v1.2.0) — an admin may override with a reason');
  });

  it('a rollback undid the reversible ones it passed; the irreversible ones stay applied, and refuse again', () => {
    const after = [...history.slice(0, 3).map((h) => ({ ...h, until: h.until ?? 4 })), { versionId: 'b', semver: '1.1.0', from: 4, until: null, kind: 'rollback' as const }];
    // Back from 1.2.0 to 1.1.0 undid nothing reversible of 1.2.0 (it had none); 1.1.0's stay; drop-legacy stays applied.
    const r = migrationsToUndo({ history: after, versions, targetVersionId: 'a' });
    expect(r.undone.map((u) => `${u.version}:${u.id}`)).toEqual(['1.2.0:drop-legacy', '1.1.0:backfill', '1.1.0:add-col']);
    // Once rolled back to 1.0.0, 1.1.0's reversible ones are gone: a later rollback does not undo them twice.
    const twice = [...after.slice(0, 3), { ...after[3]!, until: 5 }, { versionId: 'a', semver: '1.0.0', from: 5, until: 6, kind: 'rollback' as const }, { versionId: 'b', semver: '1.1.0', from: 6, until: null }];
    // 1.1.0's went away with the rollback to 1.0.0 and came back with its redeploy: undone once each, newest first.
    expect(migrationsToUndo({ history: twice, versions, targetVersionId: 'a' }).undone.map((u) => u.id)).toEqual(['backfill', 'add-col', 'drop-legacy']);
    // Right after the rollback to 1.0.0 only the irreversible one is left applied beyond 1.0.0's own.
    const atA = twice.slice(0, 5).map((h, i) => (i === 4 ? { ...h, until: null } : h));
    expect(migrationsToUndo({ history: atA, versions, targetVersionId: 'a' }).undone.map((u) => u.id)).toEqual(['drop-legacy']);
  });

  it('back to the previous version: only the current one’s; an in-flight version counts as newest', () => {
    expect(migrationsToUndo({ history, versions, targetVersionId: 'b' }).undone.map((u) => u.id)).toEqual(['drop-legacy']);
    const inFlight = migrationsToUndo({ history: history.slice(0, 2), versions, targetVersionId: 'b', inFlightVersionId: 'c' });
    expect(inFlight.irreversible.map((u) => u.id)).toEqual(['drop-legacy']);
  });
});

describe('what a change brings in or undoes', () => {
  const v = (semver: string, commitSha: string | null, config: Record<string, string>): VersionFacts => ({ semver, commitSha, repositoryUrl: null, changelogUrl: `https://x/${semver}`, notes: '', config });

  it('names versions, commits (with a template) and config keys — never config values', () => {
    const current = v('2.3.0', 'bbbbbbb', { A: '1', B: 'secret-2', NEW: 'x' });
    const target = v('2.2.0', 'aaaaaaa', { A: '1', B: 'secret-1', OLD: 'y' });
    const c = versionChange({ from: current, to: target, versions: [current], compareUrlTemplate: 'https://git.example.com/pay/compare/{from}...{to}', direction: 'back' });
    expect(c).toEqual({
      versions: [{ version: '2.3.0', commitSha: 'bbbbbbb', changelogUrl: 'https://x/2.3.0', notes: '' }],
      compareUrl: 'https://git.example.com/pay/compare/aaaaaaa...bbbbbbb',
      config: { added: ['OLD'], removed: ['NEW'], changed: ['B'] },
    });
    expect(JSON.stringify(c)).not.toContain('secret');
    expect(compareUrl(null, current, target)).toBeNull();
    expect(compareUrl('https://g/{from}..{to}', v('1.0.0', null, {}), target)).toBeNull();
  });
});
