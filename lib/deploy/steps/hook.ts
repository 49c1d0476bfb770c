/**
 * Hook steps: pre-deploy hooks run, in declared order, before any instance starts; post-deploy
 * hooks after traffic has fully moved. A hook's start is recorded before it runs, so a worker
 * that takes over after a crash knows it is a re-run (the hook gets the same idempotency key).
 * A failed hook fails the deployment without marking the version bad.
 */
import type { Step } from '../../engine';
import { runHook } from '../hooks';
import type { Executor } from '../context';

export const hook: Executor<Extract<Step, { kind: 'hook' }>> = async (step, ctx) => {
  const { d } = ctx;
  const declared = step.phase === 'pre' ? d.service.hooks.pre : d.service.hooks.post;
  const h = declared[step.index];
  if (!h) throw new Error(`the plan refers to ${step.phase}-deploy hook #${step.index}, which the service no longer has`);
  const key = `${step.phase}:${step.index}`;
  const started = d.progress.hookStarted?.[key];
  if (!started) {
    return {
      kind: 'record',
      progress: { hookStarted: { ...d.progress.hookStarted, [key]: { at: ctx.now, token: ctx.lease.token } } },
      events: [{ type: 'hook_started', message: `${step.phase}-deploy hook "${h.name}" started`, data: { phase: step.phase, index: step.index, name: h.name } }],
    };
  }
  const result = await runHook(h, {
    deploymentId: d.id,
    service: d.service.name,
    version: d.toVersion.semver,
    fromVersion: d.fromVersion?.semver ?? null,
    environment: d.environment.name,
    phase: step.phase,
    key: `${d.id}:${key}`,
  });
  // Started under another fencing token: the worker that started it is gone, this runs it again.
  const rerun = started.token !== ctx.lease.token;
  const data = { phase: step.phase, index: step.index, name: h.name, rerun, ...result };
  if (result.ok) {
    return { kind: 'advance', events: [{ type: 'hook_succeeded', message: `${step.phase}-deploy hook "${h.name}" succeeded in ${result.durationMs} ms`, data }] };
  }
  return {
    kind: 'fail',
    reason: `${step.phase}-deploy hook "${h.name}" failed`,
    markBad: false,
    events: [{ type: 'hook_failed', message: `${step.phase}-deploy hook "${h.name}" failed: ${result.error ?? `exit ${result.exitCode}`}`, data }],
  };
};
