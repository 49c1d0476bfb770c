/**
 * Begin a revert: decide, from what actually runs now, the steps that put the previous version
 * back — a pure traffic switch when every old instance still runs (an unfinished canary, a
 * blue-green inside its scale-down delay), restarts first otherwise. Nothing to undo when only
 * hooks ran.
 */
import { planRevert } from '../engine';
import type { Runtime } from '../runtime/types';
import type { AsRollback, Revert } from '../state/deployment-state';
import type { LoadedDeployment } from './context';
import { warmSlotsOf } from './warm';

export async function revertFromHere(
  d: LoadedDeployment,
  runtime: Runtime,
  why: { outcome: Revert['outcome']; reason: string; markBad: boolean },
  /** Set when a person's rollback asked for it: the rollback hooks and the migrations' down hooks run too. */
  rollback?: AsRollback,
): Promise<Revert> {
  const all = await runtime.list(d.service.name);
  const replicas = d.plan.replicas;
  // Every instance of the new version goes, running or not (a crashed one still holds a slot) —
  // but those a warm window keeps: a rollback to a warm version that fails leaves them warm.
  const warm = warmSlotsOf(d, d.toVersion.id);
  const newSlots = all.filter((i) => i.versionId === d.toVersion.id && i.slot < replicas && !warm.includes(i.slot)).map((i) => i.slot);
  const oldRunning = d.fromVersion ? all.filter((i) => i.versionId === d.fromVersion!.id && i.state === 'running' && i.slot < replicas).map((i) => i.slot) : [];
  const touched = newSlots.length > 0 || d.plan.steps.slice(0, d.cursor).some((s) => s.kind !== 'hook');
  const asRollback = rollback ? { hooks: d.service.hooks, downs: rollback.downs, emergency: rollback.emergency } : undefined;
  const steps = touched || rollback ? planRevert({ replicas, hasOld: d.fromVersion !== null, oldRunning, newRunning: newSlots, rollback: asRollback }) : [];
  return { steps, cursor: 0, ...why, ...(rollback ? { rollback } : {}) };
}

export function revertMessage(d: LoadedDeployment, rv: Revert): string {
  const verb = rv.outcome === 'aborted' ? 'Aborting' : 'Failing';
  if (rv.steps.length === 0) return `${verb}: ${rv.reason}. Nothing was touched.`;
  return `${verb}: ${rv.reason}. Returning traffic to ${d.fromVersion ? `v${d.fromVersion.semver}` : 'nothing'} (${rv.steps.length} steps)`;
}
