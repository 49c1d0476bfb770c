/**
 * Hook steps: pre-deploy hooks run, in declared order, before any instance starts; post-deploy
 * hooks after traffic has fully moved. Rollbacks run the service's pre- and post-rollback hooks
 * around their switch, and the down hook of every migration they undo before the traffic moves.
 * A hook's start is recorded before it runs, so a worker that takes over after a crash knows it
 * is a re-run (the hook gets the same idempotency key). A failed blocking hook fails the
 * deployment without marking the version bad; a non-blocking one (every rollback hook of an
 * emergency rollback, every post-rollback hook) is recorded — and alerted — and the rollback goes on.
 */
import type { Hook, HookPhase, Step } from '../../engine';
import { runHook } from '../hooks';
import type { Executor, StepContext } from '../context';

type HookStep = Extract<Step, { kind: 'hook' }>;

const WORDS: Record<HookPhase, string> = {
  pre: 'pre-deploy hook',
  post: 'post-deploy hook',
  pre_rollback: 'pre-rollback hook',
  post_rollback: 'post-rollback hook',
  migration_down: 'migration down hook',
};

/** The hook a step runs: the service's own, or a migration's down hook listed in the plan or the revert. */
function declared(step: HookStep, ctx: StepContext): { hook: Hook; migration?: { id: string; version: string } } | null {
  const { d } = ctx;
  if (step.phase === 'migration_down') {
    const downs = ctx.direction === 'revert' ? d.progress.revert?.rollback?.downs : d.plan.migrationDowns;
    const down = downs?.[step.index];
    return down ? { hook: down.hook, migration: { id: down.migration, version: down.version } } : null;
  }
  const lists = { pre: d.service.hooks.pre, post: d.service.hooks.post, pre_rollback: d.service.hooks.preRollback, post_rollback: d.service.hooks.postRollback };
  const hook = lists[step.phase][step.index];
  return hook ? { hook } : null;
}

export const hook: Executor<HookStep> = async (step, ctx) => {
  const { d } = ctx;
  const what = WORDS[step.phase];
  const found = declared(step, ctx);
  if (!found) throw new Error(`the plan refers to ${what} #${step.index}, which the service no longer has`);
  const h = found.hook;
  // Reverts keep their own keys: a revert's hooks are not the plan's hooks of the same index.
  const key = `${ctx.direction === 'revert' ? 'revert:' : ''}${step.phase}:${step.index}`;
  const started = d.progress.hookStarted?.[key];
  if (!started) {
    return {
      kind: 'record',
      progress: { hookStarted: { ...d.progress.hookStarted, [key]: { at: ctx.now, token: ctx.lease.token } } },
      events: [{ type: 'hook_started', message: `${what} "${h.name}" started`, data: { phase: step.phase, index: step.index, name: h.name, ...(found.migration ? { migration: found.migration } : {}) } }],
    };
  }
  // Rollbacks run with the version they return to; deployments with the one they bring in.
  const version = ctx.direction === 'revert' ? (d.fromVersion?.semver ?? d.toVersion.semver) : d.toVersion.semver;
  const result = await runHook(h, {
    deploymentId: d.id,
    service: d.service.name,
    version,
    fromVersion: d.fromVersion?.semver ?? null,
    environment: d.environment.name,
    phase: step.phase,
    key: `${d.id}:${key}`,
    migration: found.migration?.id,
  });
  // Started under another fencing token: the worker that started it is gone, this runs it again.
  const rerun = started.token !== ctx.lease.token;
  const blocking = step.blocking !== false;
  const data = { phase: step.phase, index: step.index, name: h.name, rerun, blocking, ...(found.migration ? { migration: found.migration } : {}), ...result };
  if (result.ok) {
    return { kind: 'advance', events: [{ type: 'hook_succeeded', message: `${what} "${h.name}" succeeded in ${result.durationMs} ms`, data }] };
  }
  const failure = `${what} "${h.name}" failed: ${result.error ?? `exit ${result.exitCode}`}`;
  if (!blocking) {
    return { kind: 'advance', events: [{ type: 'hook_failed', message: `${failure} — recorded and alerted; the rollback goes on`, data }] };
  }
  return { kind: 'fail', reason: `${what} "${h.name}" failed`, markBad: false, events: [{ type: 'hook_failed', message: failure, data }] };
};
