/**
 * Canary: move traffic to the new version in steps of weight (e.g. 10 → 25 → 50 → 100 %),
 * each held for an analysis window. A step is promoted only on evidence (full window, enough
 * samples in both cohorts, no failed metric) and aborted as soon as harm is significant.
 */
import { CANARY_MAX_ERROR_RATE, DEFAULTS } from './constants';
import { canaryParamsSchema, type CanaryParams } from './params';
import type { InstanceRef, Plan, PlanInput, Step } from './types';
import { hookSteps } from './hook-steps';
import { retireSteps, verifySteps } from './retire';
import { assertReplicas, parseParams, range } from './validate';

export type NormalizedCanaryStep = { weight: number; windowSeconds: number; minSamples: number };

export interface NormalizedCanaryParams extends CanaryParams {
  steps: NormalizedCanaryStep[];
  windowSeconds: number;
  minSamples: number;
  maxErrorRate: number;
}

/**
 * The canary steps with every default applied: weights are integers 1..100, strictly
 * increasing, and end at 100 (a final 100 % step is appended when missing).
 */
export function normalizeCanarySteps(params: CanaryParams): NormalizedCanaryStep[] {
  const p = parseParams(canaryParamsSchema, params);
  const windowSeconds = p.windowSeconds ?? DEFAULTS.canaryWindowSeconds;
  const minSamples = p.minSamples ?? DEFAULTS.canaryMinSamples;
  const steps = (p.steps ?? DEFAULTS.canarySteps).map((step) => {
    const spec = typeof step === 'number' ? { weight: step } : step;
    return { weight: spec.weight, windowSeconds: spec.windowSeconds ?? windowSeconds, minSamples: spec.minSamples ?? minSamples };
  });
  const last = steps[steps.length - 1];
  if (last && last.weight < 100) steps.push({ weight: 100, windowSeconds, minSamples });
  return steps;
}

/** Validates raw canary params (unknown keys, types, ranges) and applies every default. */
export function validateCanaryParams(params: unknown): NormalizedCanaryParams {
  const p = parseParams(canaryParamsSchema, params);
  return {
    steps: normalizeCanarySteps(p),
    windowSeconds: p.windowSeconds ?? DEFAULTS.canaryWindowSeconds,
    minSamples: p.minSamples ?? DEFAULTS.canaryMinSamples,
    maxErrorRate: p.maxErrorRate ?? CANARY_MAX_ERROR_RATE,
  };
}

/** New instances needed to carry `weight` % of traffic: at least one, at most all. */
export function canaryInstanceCount(replicas: number, weight: number): number {
  assertReplicas(replicas);
  // replicas * weight is an integer, so the division is exact whenever the result is whole.
  return Math.min(replicas, Math.max(1, Math.ceil((replicas * weight) / 100)));
}

export function planCanary(input: PlanInput): Plan {
  assertReplicas(input.replicas);
  const params = validateCanaryParams(input.params);
  const { replicas } = input;
  const newRefs = (slots: number[]): InstanceRef[] => slots.map((slot) => ({ role: 'new', slot }));
  const steps: Step[] = [...hookSteps(input.hooks, 'pre')];

  if (!input.hasOld) {
    // First deployment: there is no stable version to compare with, so analysis is meaningless.
    const all = newRefs(range(replicas));
    steps.push({ kind: 'start', instances: all }, { kind: 'await_ready', instances: all });
    steps.push({ kind: 'route', route: { mode: 'weights', newWeight: 100 } });
    steps.push(...hookSteps(input.hooks, 'post'));
    return { strategy: 'canary', params, replicas, steps, weights: [100] };
  }

  let started = 0;
  params.steps.forEach((step, i) => {
    const needed = canaryInstanceCount(replicas, step.weight);
    if (needed > started) {
      const more = newRefs(range(needed, started));
      steps.push({ kind: 'start', instances: more }, { kind: 'await_ready', instances: more });
      started = needed;
    }
    steps.push({ kind: 'route', route: { mode: 'weights', newWeight: step.weight } });
    if (step.weight < 100) {
      steps.push({
        kind: 'analysis',
        canaryStep: i,
        weight: step.weight,
        windowSeconds: step.windowSeconds,
        minSamples: step.minSamples,
      });
    }
  });
  steps.push(...hookSteps(input.hooks, 'post'));
  steps.push(...verifySteps(input), ...retireSteps(input, range(replicas)));
  return { strategy: 'canary', params, replicas, steps, weights: params.steps.map((s) => s.weight) };
}
