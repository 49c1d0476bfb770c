import type { z } from 'zod';
import { AppError } from '../errors/app-error';

/** Parse with zod; a failure is a 422 naming every offending field. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const r = schema.safeParse(input);
  if (r.success) return r.data;
  const issues = r.error.issues.map((i) => ({ path: i.path.join('.') || '(body)', message: i.message }));
  const message = issues.map((i) => `${i.path}: ${i.message}`).join('; ');
  throw new AppError('invalid', message, { issues });
}

/** A well-formed UUID: anything else is answered 404 before it reaches PostgreSQL (which would 500 on it). */
export function isUuid(s: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(s);
}
