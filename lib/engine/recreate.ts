/**
 * Recreate: stop every old instance, then start the new ones. Simple and never runs two versions
 * at once, at the price of downtime — which the plan preview states up front.
 */
import type { HealthPolicy, InstanceRef, Plan, PlanInput, RecreateParams, Step } from './types';
import { readinessSeconds } from './health';
import { recreateParamsSchema } from './params';
import { hookSteps } from './hook-steps';
import { verifySteps } from './retire';
import { assertReplicas, invalid, isFiniteNumber, parseParams, range, show } from './validate';

/** Recreate takes no parameters; anything given is an error rather than silently ignored. */
export function validateRecreateParams(params: unknown): RecreateParams {
  parseParams(recreateParamsSchema, params);
  return {};
}

export function planRecreate(input: PlanInput): Plan {
  assertReplicas(input.replicas);
  const params = validateRecreateParams(input.params);
  const slots = range(input.replicas);
  const fresh: InstanceRef[] = slots.map((slot) => ({ role: 'new', slot }));

  const steps: Step[] = [...hookSteps(input.hooks, 'pre')];
  if (input.hasOld) {
    // Out of rotation first, so no request is sent to an instance that is shutting down.
    steps.push({ kind: 'route', route: { mode: 'instances', old: [], new: [] } });
    steps.push({ kind: 'drain_stop', instances: slots.map((slot) => ({ role: 'old', slot })) });
  }
  steps.push({ kind: 'start', instances: fresh });
  steps.push({ kind: 'await_ready', instances: fresh });
  steps.push({ kind: 'route', route: { mode: 'instances', old: [], new: [...slots] } });
  steps.push(...hookSteps(input.hooks, 'post'));
  // Nothing of the old version is left to keep warm: recreate never runs two versions at once.
  steps.push(...verifySteps(input));
  return { strategy: 'recreate', params, replicas: input.replicas, steps };
}

/**
 * Downtime of a recreate = from the moment the old instances leave rotation until the new ones
 * are ready and routed:
 *
 *   min = drainSeconds + healthyThreshold × interval
 *         (the new instances pass their first probes as soon as they are made)
 *   max = drainSeconds + gracePeriod + (unhealthyThreshold − 1 + healthyThreshold) × interval
 *         (the slowest instance that still succeeds: it fails up to unhealthyThreshold − 1
 *          counted probes after the grace period, then passes healthyThreshold in a row)
 *
 * See `readinessSeconds` in health.ts. Starting a process and switching routes are treated as
 * instantaneous; probe timeouts are not added.
 */
export function estimateRecreateDowntimeSeconds(health: HealthPolicy, drainSeconds: number): { min: number; max: number } {
  if (!isFiniteNumber(drainSeconds) || drainSeconds < 0) {
    invalid(`drainSeconds must be a number ≥ 0, got ${show(drainSeconds)}`, { field: 'drainSeconds', value: drainSeconds });
  }
  const ready = readinessSeconds(health);
  return { min: drainSeconds + ready.min, max: drainSeconds + ready.max };
}
