/**
 * Blue-green: start the whole green set beside blue, gate on its health, optionally hold for a
 * preview, then switch ALL traffic in one atomic route change (0 → 100, never an intermediate
 * weight, so no request can reach both colours), and keep blue for `scaleDownDelaySeconds` so
 * that a rollback is only a routing change.
 */
import { DEFAULTS } from './constants';
import { blueGreenParamsSchema, type BlueGreenParams } from './params';
import type { InstanceRef, Plan, PlanInput, Step } from './types';
import { hookSteps } from './hook-steps';
import { retireSteps, verifySteps } from './retire';
import { assertReplicas, parseParams, range } from './validate';

/** Validates raw blue-green params and applies defaults (previewHold false, delay 30 s). */
export function validateBlueGreenParams(params: unknown): Required<BlueGreenParams> {
  const p = parseParams(blueGreenParamsSchema, params);
  return { previewHold: p.previewHold ?? false, scaleDownDelaySeconds: p.scaleDownDelaySeconds ?? DEFAULTS.scaleDownDelaySeconds };
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
  steps.push(...verifySteps(input));
  if (input.hasOld) {
    if (params.scaleDownDelaySeconds > 0) {
      steps.push({
        kind: 'delay',
        seconds: params.scaleDownDelaySeconds,
        reason: 'keep blue running so a rollback is only a routing change',
      });
    }
    steps.push(...retireSteps(input, blue.map((b) => b.slot)));
  }
  return { strategy: 'blue-green', params, replicas: input.replicas, steps };
}
