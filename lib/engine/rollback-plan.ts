/**
 * The plan of a rollback deployment. It restores a known-good version fast, whatever strategy
 * the service uses: no deploy hooks, holds, analysis or delays; the target set is started beside
 * the current one (unless it is still warm) and traffic moves in one atomic switch.
 *
 *   pre-rollback hooks → [start + await the target, when nothing of it runs] → migration down
 *   hooks → route all traffic to the target → [start the target slots the warm window did not
 *   keep] → post-rollback hooks → drain and stop the version rolled back from
 *
 * Inside the warm window the target's instances already run, so the switch needs no new process:
 * with part of the set kept warm, traffic moves first and the rest starts afterwards.
 */
import type { InstanceRef, Plan, PlanInput, StrategyParams, Step } from './types';
import { invalid, isInteger, range, show } from './validate';

function warmSlots(running: number[] | undefined, replicas: number): number[] {
  for (const slot of running ?? []) {
    if (!isInteger(slot) || slot < 0) invalid(`targetRunning slot ${show(slot)} is not a slot number`, { field: 'targetRunning', slot });
  }
  return [...new Set((running ?? []).filter((s) => s < replicas))].sort((a, b) => a - b);
}

export function planFastRollback(input: PlanInput, params: StrategyParams): Plan {
  const slots = range(input.replicas);
  const warm = warmSlots(input.targetRunning, input.replicas);
  const missing = slots.filter((s) => !warm.includes(s));
  const refs = (xs: number[]): InstanceRef[] => xs.map((slot) => ({ role: 'new', slot }));
  const emergency = input.emergency ?? true;
  const downs = input.migrationDowns ?? [];
  const startMissing: Step[] = missing.length > 0 ? [{ kind: 'start', instances: refs(missing) }, { kind: 'await_ready', instances: refs(missing) }] : [];

  const steps: Step[] = (input.hooks.preRollback ?? []).map((h, index) => ({
    kind: 'hook' as const,
    phase: 'pre_rollback' as const,
    index,
    name: h.name,
    // An emergency rollback never waits on a failing pre-rollback hook: it is recorded and alerted.
    ...(emergency ? { blocking: false } : {}),
  }));
  if (warm.length === 0) steps.push(...startMissing);
  // The schema goes back before the traffic does: the old code must find the schema it knows.
  steps.push(...downs.map((d, index): Step => ({ kind: 'hook', phase: 'migration_down', index, name: `${d.migration} of v${d.version}` })));
  steps.push({ kind: 'route', route: { mode: 'weights', newWeight: 100 } });
  if (warm.length > 0) steps.push(...startMissing);
  steps.push(...(input.hooks.postRollback ?? []).map((h, index): Step => ({ kind: 'hook', phase: 'post_rollback', index, name: h.name, blocking: false })));
  if (input.hasOld) steps.push({ kind: 'drain_stop', instances: slots.map((slot) => ({ role: 'old', slot })) });
  return { strategy: input.strategy, params, replicas: input.replicas, steps, ...(downs.length > 0 ? { migrationDowns: downs } : {}) };
}
