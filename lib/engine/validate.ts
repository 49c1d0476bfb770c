/**
 * Small input guards shared by the planners. Everything a user can get wrong ends in
 * `AppError('invalid', …)` with a message that names the field and the offending value.
 * Internal to the engine: not re-exported from index.ts.
 */
import { AppError } from '../errors/app-error';
import type { Hooks, Step } from './types';

export function invalid(message: string, details?: Record<string, unknown>): never {
  throw new AppError('invalid', message, details);
}

/** A value as it should appear inside an error message: strings quoted, the rest as JSON. */
export function show(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (typeof value === 'number') return String(value); // keeps NaN / Infinity readable
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

export function isInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value);
}

export function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

export function assertReplicas(replicas: unknown): asserts replicas is number {
  if (!isInteger(replicas) || replicas < 1) {
    invalid(`replicas must be an integer ≥ 1, got ${show(replicas)}`, { field: 'replicas', value: replicas });
  }
}

/** `undefined`/`null` mean "no params"; anything that is not a plain object is rejected. */
export function asParamsObject(strategy: string, params: unknown): Record<string, unknown> {
  if (params === undefined || params === null) return {};
  if (typeof params !== 'object' || Array.isArray(params)) {
    invalid(`${strategy} params must be an object, got ${show(params)}`, { strategy, params });
  }
  // Keys explicitly set to undefined are treated as absent (common with spread/optional fields).
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(params as Record<string, unknown>)) {
    if (value !== undefined) out[key] = value;
  }
  return out;
}

/** Rejects keys a strategy does not understand, naming every one of them. */
export function assertKnownKeys(
  what: string,
  obj: Record<string, unknown>,
  allowed: readonly string[],
): void {
  const unknown = Object.keys(obj)
    .filter((k) => !allowed.includes(k))
    .sort();
  if (unknown.length === 0) return;
  const valid = allowed.length > 0 ? `valid: ${allowed.join(', ')}` : `${what} takes none`;
  invalid(`unknown ${what} parameter${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')} (${valid})`, {
    unknown,
    allowed: [...allowed],
  });
}

/** One `hook` step per hook of the phase, in declared order. */
export function hookSteps(hooks: Hooks, phase: 'pre' | 'post'): Step[] {
  return hooks[phase].map((hook, index) => ({ kind: 'hook', phase, index, name: hook.name }));
}

/** [0, 1, …, n-1] */
export function range(n: number, from = 0): number[] {
  return Array.from({ length: Math.max(0, n - from) }, (_, i) => from + i);
}
