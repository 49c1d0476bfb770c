/**
 * The end of every plan that replaces a version: optionally analyse the new version at 100 %
 * (post-promotion analysis), then retire the old instances — keep some running out of rotation
 * for the warm rollback window (so a rollback inside it only moves traffic) and stop the rest,
 * or stop them all when the window is off.
 */
import type { InstanceRef, PlanInput, Step } from './types';

/** Post-promotion analysis, when asked for and there is a previous version to compare with. */
export function verifySteps(input: PlanInput): Step[] {
  return input.hasOld && input.verify ? [{ kind: 'verify', windowSeconds: input.verify.windowSeconds, minSamples: input.verify.minSamples }] : [];
}

/** True when the plan must leave the old instances running until its end (warm window or post-promotion analysis). */
export function keepsOldToTheEnd(input: PlanInput): boolean {
  return input.hasOld && (input.warm !== undefined || input.verify !== undefined);
}

/** Retire the old slots still running: keep the warm ones for the window, stop the others. */
export function retireSteps(input: PlanInput, running: number[]): Step[] {
  if (!input.hasOld || running.length === 0) return [];
  const sorted = [...running].sort((a, b) => a - b);
  const refs = (slots: number[]): InstanceRef[] => slots.map((slot) => ({ role: 'old', slot }));
  if (input.warm && input.warm.slots > 0 && input.warm.seconds > 0) {
    return [{ kind: 'keep_warm', instances: refs(sorted.slice(0, input.warm.slots)), seconds: input.warm.seconds }];
  }
  return [{ kind: 'drain_stop', instances: refs(sorted) }];
}
