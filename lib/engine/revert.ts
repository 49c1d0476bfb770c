/**
 * Revert: the steps that put the old version back in front of the traffic, from whatever
 * mix of instances is running now (a failed rolling batch, an aborted canary, a blue-green
 * inside its scale-down delay…).
 *
 * When every old instance is still running this is a pure traffic change — one route and the
 * cleanup — which is what makes blue-green and canary rollbacks instant.
 */
import type { Hooks, InstanceRef, MigrationDown, Step } from './types';
import { assertReplicas, invalid, isInteger, range, show } from './validate';

function slotSet(name: string, slots: number[], replicas: number): number[] {
  for (const slot of slots) {
    if (!isInteger(slot) || slot < 0 || slot >= replicas) {
      invalid(`${name} slot ${show(slot)} is outside 0..${replicas - 1}`, { field: name, slot, replicas });
    }
  }
  return [...new Set(slots)].sort((a, b) => a - b);
}

/** A revert a person asked for as a rollback: its hooks run, and its migrations go back before the traffic. */
export interface RevertAsRollback {
  hooks: Pick<Hooks, 'preRollback' | 'postRollback'>;
  downs: MigrationDown[];
  /** An emergency rollback (the default) never waits on a failing pre-rollback hook. */
  emergency?: boolean;
}

export function planRevert(input: {
  replicas: number;
  hasOld: boolean;
  oldRunning: number[];
  newRunning: number[];
  rollback?: RevertAsRollback;
}): Step[] {
  assertReplicas(input.replicas);
  const oldRunning = slotSet('oldRunning', input.oldRunning, input.replicas);
  const newRunning = slotSet('newRunning', input.newRunning, input.replicas);
  const stopNew: Step[] =
    newRunning.length > 0
      ? [{ kind: 'drain_stop', instances: newRunning.map((slot): InstanceRef => ({ role: 'new', slot })) }]
      : [];

  const rb = input.rollback;
  const pre: Step[] = (rb?.hooks.preRollback ?? []).map((h, index) => ({
    kind: 'hook' as const,
    phase: 'pre_rollback' as const,
    index,
    name: h.name,
    ...((rb?.emergency ?? true) ? { blocking: false } : {}),
  }));
  const downs: Step[] = (rb?.downs ?? []).map((d, index) => ({ kind: 'hook', phase: 'migration_down', index, name: `${d.migration} of v${d.version}` }));
  const post: Step[] = (rb?.hooks.postRollback ?? []).map((h, index) => ({ kind: 'hook', phase: 'post_rollback', index, name: h.name, blocking: false }));

  if (!input.hasOld) {
    // A first deployment has nothing to go back to: take the new instances out and stop them.
    return [...pre, ...downs, { kind: 'route', route: { mode: 'instances', old: [], new: [] } }, ...post, ...stopNew];
  }

  const missing = range(input.replicas)
    .filter((slot) => !oldRunning.includes(slot))
    .map((slot): InstanceRef => ({ role: 'old', slot }));
  const restart: Step[] =
    missing.length > 0
      ? [
          { kind: 'start', instances: missing },
          { kind: 'await_ready', instances: missing },
        ]
      : [];
  // Traffic moves only once the whole old set is ready, in one atomic change.
  return [...pre, ...restart, ...downs, { kind: 'route', route: { mode: 'weights', newWeight: 0 } }, ...post, ...stopNew];
}
