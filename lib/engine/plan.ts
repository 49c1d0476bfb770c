/**
 * Entry point for planning: validates the request and dispatches to the strategy's planner.
 */
import { STRATEGIES, type StrategyName } from './constants';
import type { InstanceRef, Plan, PlanInput, StrategyParams, Step } from './types';
import { planBlueGreen, validateBlueGreenParams } from './blue-green';
import { planCanary, validateCanaryParams } from './canary';
import { planRecreate, validateRecreateParams } from './recreate';
import { planRolling, validateRollingParams } from './rolling';
import { assertReplicas, invalid, range, show } from './validate';

function assertStrategy(strategy: unknown): asserts strategy is StrategyName {
  if (typeof strategy !== 'string' || !(STRATEGIES as readonly string[]).includes(strategy)) {
    invalid(`unknown strategy ${show(strategy)}; valid strategies: ${STRATEGIES.join(', ')}`, {
      strategy,
      valid: [...STRATEGIES],
    });
  }
}

/** Checks `params` for `strategy` (unknown keys, types, ranges) and returns them with defaults. */
export function validateStrategyParams(strategy: string, params: unknown): StrategyParams {
  assertStrategy(strategy);
  switch (strategy) {
    case 'rolling':
      return validateRollingParams(params);
    case 'blue-green':
      return validateBlueGreenParams(params);
    case 'canary':
      return validateCanaryParams(params);
    case 'recreate':
      return validateRecreateParams(params);
  }
}

/**
 * A rollback restores a known-good version fast, whatever strategy the service uses: no hooks,
 * holds, analysis or delays — the whole set is started beside the current one and traffic
 * moves in one atomic switch (a fast blue-green).
 */
function planFastRollback(input: PlanInput, params: StrategyParams): Plan {
  const slots = range(input.replicas);
  const fresh: InstanceRef[] = slots.map((slot) => ({ role: 'new', slot }));
  const steps: Step[] = [
    { kind: 'start', instances: fresh },
    { kind: 'await_ready', instances: fresh },
    { kind: 'route', route: { mode: 'weights', newWeight: 100 } },
  ];
  if (input.hasOld) steps.push({ kind: 'drain_stop', instances: slots.map((slot) => ({ role: 'old', slot })) });
  return { strategy: input.strategy, params, replicas: input.replicas, steps };
}

export function planDeployment(input: PlanInput): Plan {
  assertReplicas(input.replicas);
  assertStrategy(input.strategy);
  if (input.kind !== undefined && input.kind !== 'deploy' && input.kind !== 'rollback') {
    invalid(`unknown deployment kind ${show(input.kind)}; valid kinds: deploy, rollback`, { kind: input.kind });
  }
  // Validate even for a rollback: bad input is an error whatever the kind.
  const params = validateStrategyParams(input.strategy, input.params);
  if (input.kind === 'rollback') return planFastRollback(input, params);
  switch (input.strategy) {
    case 'rolling':
      return planRolling(input);
    case 'blue-green':
      return planBlueGreen(input);
    case 'canary':
      return planCanary(input);
    case 'recreate':
      return planRecreate(input);
  }
}
