/**
 * Blue-green: start the whole green set beside blue, gate on its health, optionally hold for a
 * preview, then switch ALL traffic in one atomic route change (0 → 100, never an intermediate
 * weight, so no request can reach both colours), and keep blue for `scaleDownDelaySeconds` so
 * that a rollback is only a routing change.
 */
import { DEFAULTS } from './types';
import type { BlueGreenParams, InstanceRef, Plan, PlanInput, Step } from './types';
import { asParamsObject, assertKnownKeys, assertReplicas, hookSteps, invalid, isFiniteNumber, range, show } from './validate';

export const BLUE_GREEN_PARAM_KEYS = ['previewHold', 'scaleDownDelaySeconds'] as const;

/** Validates raw blue-green params and applies defaults (previewHold false, delay 30 s). */
export function validateBlueGreenParams(params: unknown): Required<BlueGreenParams> {
  const obj = asParamsObject('blue-green', params);
  assertKnownKeys('blue-green', obj, BLUE_GREEN_PARAM_KEYS);
  const previewHold = obj.previewHold ?? false;
  if (typeof previewHold !== 'boolean') {
    invalid(`previewHold must be true or false, got ${show(previewHold)}`, { field: 'previewHold', value: previewHold });
  }
  const delay = obj.scaleDownDelaySeconds ?? DEFAULTS.scaleDownDelaySeconds;
  if (!isFiniteNumber(delay) || delay < 0) {
    invalid(`scaleDownDelaySeconds must be a number ≥ 0, got ${show(delay)}`, {
      field: 'scaleDownDelaySeconds',
      value: delay,
    });
  }
  return { previewHold, scaleDownDelaySeconds: delay };
}

export function planBlueGreen(input: PlanInput): Plan {
  assertReplicas(input.replicas);
  const params = validateBlueGreenParams(input.params);
  const green: InstanceRef[] = range(input.replicas).map((slot) => ({ role: 'new', slot }));
  const blue: InstanceRef[] = range(input.replicas).map((slot) => ({ role: 'old', slot }));

  const steps: Step[] = [
    ...hookSteps(input.hooks, 'pre'),
    { kind: 'start', instances: green },
    { kind: 'await_ready', instances: green },
  ];
  if (params.previewHold) {
    steps.push({
      kind: 'hold',
      reason: 'green is ready on its preview address; promote to switch traffic to it',
    });
  }
  // The one and only traffic change: atomic, straight to 100 %.
  steps.push({ kind: 'route', route: { mode: 'weights', newWeight: 100 } });
  steps.push(...hookSteps(input.hooks, 'post'));
  if (input.hasOld) {
    if (params.scaleDownDelaySeconds > 0) {
      steps.push({
        kind: 'delay',
        seconds: params.scaleDownDelaySeconds,
        reason: 'keep blue running so a rollback is only a routing change',
      });
    }
    steps.push({ kind: 'drain_stop', instances: blue });
  }
  return { strategy: 'blue-green', params, replicas: input.replicas, steps };
}
