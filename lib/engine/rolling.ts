/**
 * Rolling update: replace the old instances a batch at a time.
 *
 * Two ways to size a batch:
 *  - `batchSize` (default 1): start that many new instances beside the old ones, then retire
 *    the old instances they replace;
 *  - Kubernetes-style `maxSurge` / `maxUnavailable`: up to `surge` extra instances may run above
 *    `replicas`, and up to `unavailable` instances may be missing. A batch then holds
 *    `surge + unavailable` slots: the `unavailable` old ones are taken down first, which makes
 *    room for the surge.
 *
 * New slot i always replaces old slot i, so a slot index never reaches `replicas`.
 */
import { DEFAULTS } from './constants';
import { PERCENT, rollingParamsSchema, type IntOrPercent, type RollingParams } from './params';
import type { Plan, PlanInput, Step } from './types';
import { hookSteps } from './hook-steps';
import { keepsOldToTheEnd, retireSteps, verifySteps } from './retire';
import { assertReplicas, invalid, parseParams, range, show } from './validate';

/**
 * A count, or a percentage of replicas. Surge rounds UP (so 25 % of 3 still allows one extra
 * instance), unavailable rounds DOWN (so 25 % of 3 never takes an instance away) — exactly
 * Kubernetes' `GetScaledValueFromIntOrPercent` behaviour.
 */
function resolveIntOrPercent(field: 'maxSurge' | 'maxUnavailable', value: IntOrPercent, replicas: number): number {
  if (typeof value === 'number') return value;
  const pct = Number(PERCENT.exec(value)?.[1]);
  // replicas * pct is an exact integer, so the division is correctly rounded and ceil/floor
  // cannot be thrown off by binary floating point.
  const exact = (replicas * pct) / 100;
  return field === 'maxSurge' ? Math.ceil(exact) : Math.floor(exact);
}

function usesSurgeKnobs(p: RollingParams): boolean {
  return p.maxSurge !== undefined || p.maxUnavailable !== undefined;
}

/** Checks rolling params against their schema; `undefined`/`null` mean none. */
function checked(params: unknown): RollingParams {
  return parseParams(rollingParamsSchema, params);
}

/**
 * Validates raw rolling params (unknown keys, types) and applies defaults. batchSize is
 * checked even when the surge knobs win: bad input is an error either way.
 */
export function validateRollingParams(params: unknown): RollingParams {
  const p = checked(params);
  if (!usesSurgeKnobs(p)) return { batchSize: p.batchSize ?? DEFAULTS.rollingBatchSize };
  return { maxSurge: p.maxSurge ?? 0, maxUnavailable: p.maxUnavailable ?? 0 };
}

/**
 * Resolves maxSurge / maxUnavailable to instance counts for `replicas`. When only one is given
 * the other is 0; when neither is given the batchSize mode applies (surge = batchSize,
 * unavailable = 0: new instances start beside the old ones). Both are capped at `replicas`,
 * since more can never be used.
 */
export function resolveSurgeUnavailable(replicas: number, params: RollingParams): { surge: number; unavailable: number } {
  assertReplicas(replicas);
  const p = checked(params);
  if (!usesSurgeKnobs(p)) {
    return { surge: Math.min(p.batchSize ?? DEFAULTS.rollingBatchSize, replicas), unavailable: 0 };
  }
  const surge = resolveIntOrPercent('maxSurge', p.maxSurge ?? 0, replicas);
  const unavailable = resolveIntOrPercent('maxUnavailable', p.maxUnavailable ?? 0, replicas);
  if (surge === 0 && unavailable === 0) {
    invalid(
      `maxSurge and maxUnavailable cannot both be 0 (maxSurge ${show(p.maxSurge ?? 0)} and maxUnavailable ${show(
        p.maxUnavailable ?? 0,
      )} of ${replicas} replicas)`,
      { replicas, maxSurge: p.maxSurge ?? 0, maxUnavailable: p.maxUnavailable ?? 0 },
    );
  }
  return { surge: Math.min(surge, replicas), unavailable: Math.min(unavailable, replicas) };
}

/**
 * Consecutive slot batches: exactly ceil(replicas / batchSize) of them, every slot
 * 0..replicas-1 exactly once (the last batch holds the remainder).
 */
export function rollingBatches(
  replicas: number,
  p: RollingParams,
): { batches: number[][]; batchSize: number; surge: number; unavailable: number } {
  assertReplicas(replicas);
  const { surge, unavailable } = resolveSurgeUnavailable(replicas, p);
  const batchSize = Math.min(surge + unavailable, replicas);
  const batches: number[][] = [];
  for (let first = 0; first < replicas; first += batchSize) {
    batches.push(range(Math.min(first + batchSize, replicas), first));
  }
  return { batches, batchSize, surge, unavailable };
}

/**
 * pre hooks → per batch: [take `unavailable` old slots out of rotation and stop them] → start
 * the batch's new slots → await their readiness → route (old slots not yet replaced + every
 * new slot so far) → drain and stop the rest of the batch's old slots → post hooks. With a warm
 * window or post-promotion analysis the replaced old slots are only taken out of rotation, and
 * retired at the end (after the analysis): the warm ones kept, the others stopped.
 */
export function planRolling(input: PlanInput): Plan {
  assertReplicas(input.replicas);
  const params = validateRollingParams(input.params);
  const { replicas, hasOld } = input;
  const { batches, unavailable } = rollingBatches(replicas, params);

  const steps: Step[] = [...hookSteps(input.hooks, 'pre')];
  // With a warm window or post-promotion analysis, replaced old slots leave rotation but keep
  // running until the end; only the slots maxUnavailable takes down first are stopped on the way.
  const keepOld = keepsOldToTheEnd(input);
  const stoppedFirst = new Set<number>();
  const newStarted: number[] = [];
  // Old slots that are out of rotation (stopped, or about to be drained after their replacement).
  const retired = new Set<number>();
  const oldInRotation = (): number[] => (hasOld ? range(replicas).filter((s) => !retired.has(s)) : []);
  const refs = (role: 'old' | 'new', slots: number[]) => slots.map((slot) => ({ role, slot }));

  for (const batch of batches) {
    // maxUnavailable: these old slots go first, leaving room for the new ones.
    const stopFirst = hasOld ? batch.slice(0, unavailable) : [];
    if (stopFirst.length > 0) {
      stopFirst.forEach((s) => retired.add(s));
      stopFirst.forEach((s) => stoppedFirst.add(s));
      steps.push({ kind: 'route', route: { mode: 'instances', old: oldInRotation(), new: [...newStarted] } });
      steps.push({ kind: 'drain_stop', instances: refs('old', stopFirst) });
    }

    steps.push({ kind: 'start', instances: refs('new', batch) });
    steps.push({ kind: 'await_ready', instances: refs('new', batch) });
    newStarted.push(...batch);
    batch.forEach((s) => retired.add(s));
    steps.push({ kind: 'route', route: { mode: 'instances', old: oldInRotation(), new: [...newStarted] } });

    const stopAfter = hasOld && !keepOld ? batch.slice(stopFirst.length) : [];
    if (stopAfter.length > 0) steps.push({ kind: 'drain_stop', instances: refs('old', stopAfter) });
  }

  steps.push(...hookSteps(input.hooks, 'post'));
  if (keepOld) steps.push(...verifySteps(input), ...retireSteps(input, range(replicas).filter((s) => !stoppedFirst.has(s))));
  return { strategy: 'rolling', params, replicas, steps, batches };
}
