/**
 * The deploy dialog's fields, read from the engine's strategy params schemas: one per
 * parameter, with its title, description and how it is typed in; and the values a deployment
 * of the service would run with when a field is left empty.
 */
import { z } from 'zod';
import { STRATEGIES, type StrategyName } from '@/lib/engine/constants';
import { strategyParamsSchemas } from '@/lib/engine/params';
import { effectiveStrategyParams, type DeploymentParamsInput } from '@/lib/engine/deployment-params';

export type FieldInput = 'number' | 'count-or-percent' | 'weights' | 'boolean';

export interface ParamField {
  key: string;
  label: string;
  help: string;
  input: FieldInput;
}

export interface StrategyOption {
  name: StrategyName;
  title: string;
  description: string;
  fields: ParamField[];
}

interface JsonField {
  type?: string;
  anyOf?: JsonField[];
  title?: string;
  description?: string;
}

function inputOf(f: JsonField): FieldInput {
  if (f.type === 'boolean') return 'boolean';
  if (f.type === 'array') return 'weights';
  if (f.anyOf?.some((o) => o.type === 'string')) return 'count-or-percent';
  return 'number';
}

/** Every strategy with its fields, in the engine's order. */
export const STRATEGY_OPTIONS: StrategyOption[] = STRATEGIES.map((name) => {
  const doc = z.toJSONSchema(strategyParamsSchemas[name], { io: 'input' }) as JsonField & { properties?: Record<string, JsonField> };
  return {
    name,
    title: doc.title ?? name,
    description: doc.description ?? '',
    fields: Object.entries(doc.properties ?? {}).map(([key, f]) => ({ key, label: f.title ?? key, help: f.description ?? '', input: inputOf(f) })),
  };
});

/**
 * What each field of `strategy` runs with when left empty, as the dialog shows it: the
 * service's params for its default strategy, its analysis window and minimum for a canary,
 * the engine's defaults for the rest. Empty when the service's stored params are invalid.
 */
export function effectiveValues(strategy: StrategyName, service: DeploymentParamsInput['service']): Record<string, string> {
  let params: Record<string, unknown>;
  try {
    params = effectiveStrategyParams(strategy, service) as Record<string, unknown>;
  } catch {
    return {};
  }
  const shown = (v: unknown): string =>
    Array.isArray(v) ? v.map((s: unknown) => (typeof s === 'object' && s !== null ? (s as { weight: number }).weight : s)).join(', ') : String(v);
  return Object.fromEntries(Object.entries(params).map(([k, v]) => [k, shown(v)]));
}
