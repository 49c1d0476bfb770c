/**
 * Entry point for planning: validates the request and dispatches to the strategy's planner.
 */
import { STRATEGIES, type StrategyName } from './constants';
import type { Plan, PlanInput, StrategyParams } from './types';
import { planBlueGreen, validateBlueGreenParams } from './blue-green';
import { planCanary, validateCanaryParams } from './canary';
import { planRecreate, validateRecreateParams } from './recreate';
import { planRolling, validateRollingParams } from './rolling';
import { planFastRollback } from './rollback-plan';
import { assertReplicas, invalid, show } from './validate';

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
