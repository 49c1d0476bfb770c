/**
 * Revert: the steps that put the old version back in front of the traffic, from whatever
 * mix of instances is running now (a failed rolling batch, an aborted canary, a blue-green
 * inside its scale-down delay…).
 *
 * When every old instance is still running this is a pure traffic change — one route and the
 * cleanup — which is what makes blue-green and canary rollbacks instant.
 */
import type { InstanceRef, Step } from './types';
import { assertReplicas, invalid, isInteger, range, show } from './validate';

function slotSet(name: string, slots: number[], replicas: number): number[] {
  for (const slot of slots) {
    if (!isInteger(slot) || slot < 0 || slot >= replicas) {
      invalid(`${name} slot ${show(slot)} is outside 0..${replicas - 1}`, { field: name, slot, replicas });
    }
  }
  return [...new Set(slots)].sort((a, b) => a - b);
}

export function planRevert(input: {
  replicas: number;
  hasOld: boolean;
  oldRunning: number[];
  newRunning: number[];
}): Step[] {
  assertReplicas(input.replicas);
  const oldRunning = slotSet('oldRunning', input.oldRunning, input.replicas);
  const newRunning = slotSet('newRunning', input.newRunning, input.replicas);
  const stopNew: Step[] =
    newRunning.length > 0
      ? [{ kind: 'drain_stop', instances: newRunning.map((slot): InstanceRef => ({ role: 'new', slot })) }]
      : [];

  if (!input.hasOld) {
    // A first deployment has nothing to go back to: take the new instances out and stop them.
    return [{ kind: 'route', route: { mode: 'instances', old: [], new: [] } }, ...stopNew];
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
  return [...restart, { kind: 'route', route: { mode: 'weights', newWeight: 0 } }, ...stopNew];
}
