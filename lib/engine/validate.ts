/**
 * Input guards shared by the engine. Everything a user can get wrong ends in
 * `AppError('invalid', …)` with a message that names the field and the offending value.
 * The engine's schemas are zod schemas; `parseOrThrow` turns the first problem zod finds into
 * that AppError, and `fails` writes the "…, got <value>" messages the schemas carry.
 * Internal to the engine: not re-exported from index.ts.
 */
import type { z } from 'zod';
import { AppError } from '../errors/app-error';

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

/** [0, 1, …, n-1] */
export function range(n: number, from = 0): number[] {
  return Array.from({ length: Math.max(0, n - from) }, (_, i) => from + i);
}

// ------------------------------------------------------------------ zod

/** What a zod error function is given: the failing value and where it sits. */
export interface IssueInput {
  input?: unknown;
  path?: PropertyKey[];
}
type Message = string | ((issue: IssueInput) => string);

/**
 * The error option of a zod schema or check: "<rule>, got <value>". The rule may depend on
 * where the value sits (a canary step's number, a metric's index).
 */
export function fails(rule: Message): { error: (issue: IssueInput) => string } {
  return { error: (issue) => `${typeof rule === 'function' ? rule(issue) : rule}, got ${show(issue.input)}` };
}

/** The message for keys a strict object does not know, naming every one of them and the valid ones. */
export function unknownKeysMessage(what: string, noun: string, keys: readonly string[], allowed: readonly string[]): string {
  const sorted = [...keys].sort();
  const valid = allowed.length > 0 ? `valid: ${allowed.join(', ')}` : `${what} takes none`;
  return `unknown ${what} ${noun}${sorted.length > 1 ? 's' : ''}: ${sorted.join(', ')} (${valid})`;
}

/** Keys set to undefined are absent (what spreads and optional fields produce). */
export function withoutUndefined(value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined));
}

/** Parse the parameters of something that takes them: `undefined` and `null` mean none. */
export function parseParams<S extends z.ZodType>(schema: S, params: unknown): z.output<S> {
  return parseOrThrow(schema, params === undefined || params === null ? {} : withoutUndefined(params));
}

function dotted(path: readonly PropertyKey[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${String(p)}`)).join('');
}

/**
 * Parse with an engine schema; the first problem becomes AppError('invalid') — a 422 — with
 * the schema's own message, and details naming the field (under `root` when given). Unknown
 * keys are reported before anything else: a misspelt key usually explains the other problems.
 */
export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, root?: string): z.output<S> {
  const result = schema.safeParse(value, { reportInput: true });
  if (result.success) return result.data;
  const issues = result.error.issues;
  const first = issues.find((i) => i.code === 'unrecognized_keys') ?? issues[0]!;
  const where = (path: PropertyKey[]) => dotted(root ? [root, ...path] : path);
  const details: Record<string, unknown> = { value: first.input };
  if (where(first.path)) details.field = where(first.path);
  if (first.code === 'unrecognized_keys') details.unknown = [...first.keys].sort();
  if (first.code === 'custom' && first.params) Object.assign(details, first.params);
  if (issues.length > 1) details.issues = issues.map((i) => ({ path: where(i.path), message: i.message }));
  throw new AppError('invalid', first.message, details);
}
