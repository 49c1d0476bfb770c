/**
 * Expecting an AppError in tests: the error a call throws (or a promise rejects with) must be
 * an AppError with this code and a message matching this text, and is returned for more checks.
 */
import { expect } from 'vitest';
import { isAppError, type AppError, type ErrorCode } from '../errors/app-error';

const NO_THROW = Symbol('nothing thrown');

function check(e: unknown, code: ErrorCode, message: string | RegExp): AppError {
  if (!isAppError(e)) throw new Error(`expected an AppError ${code}, got ${e === NO_THROW ? 'no error at all' : String(e)}`, { cause: e });
  expect(e.code, e.message).toBe(code);
  expect(e.message).toMatch(message);
  return e;
}

/** The AppError that `fn` throws; fails the test when it throws nothing or something else. */
export function appErrorOf(fn: () => unknown): AppError {
  try {
    fn();
  } catch (e) {
    if (isAppError(e)) return e;
    throw e;
  }
  throw new Error('expected an AppError, but nothing was thrown');
}

/** A promise, or a function returning one, gives a promise of the error; a plain function gives it at once. */
type Checked<S> = S extends PromiseLike<unknown>
  ? Promise<AppError>
  : S extends () => infer R
    ? [R] extends [never]
      ? AppError
      : R extends PromiseLike<unknown>
        ? Promise<AppError>
        : AppError
    : never;

export function expectAppError<S extends PromiseLike<unknown> | (() => unknown)>(subject: S, code: ErrorCode, message: string | RegExp): Checked<S>;
export function expectAppError(subject: PromiseLike<unknown> | (() => unknown), code: ErrorCode, message: string | RegExp): AppError | Promise<AppError> {
  let outcome: unknown;
  if (typeof subject === 'function') {
    try {
      outcome = subject();
    } catch (e) {
      return check(e, code, message);
    }
  } else {
    outcome = subject;
  }
  if (outcome && typeof (outcome as PromiseLike<unknown>).then === 'function') {
    return Promise.resolve(outcome).then(
      () => check(NO_THROW, code, message),
      (e: unknown) => check(e, code, message),
    );
  }
  return check(NO_THROW, code, message);
}
