/**
 * Which parameters a deployment runs with, from what the service says and what the request
 * says. One rule for the API and for the panel, which shows the values a deployment would run
 * with before anyone types a number:
 *  - the service's strategy params apply only to the service's default strategy;
 *  - the request's params win over them, key by key;
 *  - a canary (not a rollback) is judged with the service's analysis config merged with the
 *    request's, and that config's windowSeconds / minSamples fill in when the params have none;
 *  - an analysis config for any other strategy is an error.
 */
import type { StrategyName } from './constants';
import { validateAnalysisConfig, type AnalysisConfig } from './analysis-config';
import type { StrategyParams } from './params';
import { validateStrategyParams } from './plan';
import { invalid } from './validate';

export interface DeploymentParamsInput {
  strategy: StrategyName;
  service: { defaultStrategy: string; strategyParams: unknown; analysis?: unknown };
  /** The request's params, over the service's. */
  params?: Record<string, unknown>;
  /** The request's analysis config, over the service's. */
  analysis?: Record<string, unknown>;
  kind?: 'deploy' | 'rollback';
}

/** The params to plan with (before the strategy's own defaults) and the analysis config in force. */
export function resolveDeploymentParams(input: DeploymentParamsInput): { params: Record<string, unknown>; analysis: AnalysisConfig | undefined } {
  const { strategy, service } = input;
  const own = strategy === service.defaultStrategy && isObject(service.strategyParams) ? service.strategyParams : {};
  const params: Record<string, unknown> = { ...own, ...(input.params ?? {}) };
  if (strategy !== 'canary' || input.kind === 'rollback') {
    if (input.analysis !== undefined) invalid(`analysis applies to canary deployments only, not ${strategy}`, { field: 'analysis', strategy });
    return { params, analysis: undefined };
  }
  const maxErrorRate = typeof params.maxErrorRate === 'number' ? params.maxErrorRate : undefined;
  const analysis = validateAnalysisConfig({ ...(isObject(service.analysis) ? service.analysis : {}), ...(input.analysis ?? {}) }, { maxErrorRate });
  // The analysis config's window and minimum are defaults under the canary params' own.
  if (analysis.windowSeconds !== undefined && params.windowSeconds === undefined) params.windowSeconds = analysis.windowSeconds;
  if (analysis.minSamples !== undefined && params.minSamples === undefined) params.minSamples = analysis.minSamples;
  return { params, analysis };
}

/** What a deployment of `strategy` runs with when the request gives no params: every default applied. */
export function effectiveStrategyParams(strategy: StrategyName, service: DeploymentParamsInput['service']): StrategyParams {
  return validateStrategyParams(strategy, resolveDeploymentParams({ strategy, service }).params);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
