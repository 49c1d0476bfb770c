import { describe, expect, it } from 'vitest';
import { AppError } from '../errors/app-error';
import { appErrorOf, expectAppError } from './app-error';
import { until } from './until';

describe('until', () => {
  it('returns the first truthy value of the condition', async () => {
    let n = 0;
    expect(await until('the third try', () => (++n >= 3 ? n : false), { everyMs: 1 })).toBe(3);
  });

  it('times out naming what it waited for, with the last error when errors are tolerated', async () => {
    await expect(until('the moon', () => false, { timeoutMs: 20, everyMs: 5 })).rejects.toThrow('timed out waiting for the moon');
    const failing = () => {
      throw new Error('connection refused');
    };
    await expect(until('a server', failing, { timeoutMs: 20, everyMs: 5, tolerateErrors: true })).rejects.toThrow(/a server \(last error: connection refused\)/);
    await expect(until('a server', failing, 10_000)).rejects.toThrow('connection refused');
  });
});

describe('expectAppError', () => {
  const refuse = () => {
    throw new AppError('conflict', 'lease held by worker-1');
  };

  it('returns the AppError of a function, an async function or a promise', async () => {
    expect(expectAppError(refuse, 'conflict', /lease held/).message).toBe('lease held by worker-1');
    expect((await expectAppError(async () => refuse(), 'conflict', 'worker-1')).code).toBe('conflict');
    expect((await expectAppError(Promise.reject(new AppError('not_found', 'no such service')), 'not_found', /no such/)).message).toBe('no such service');
    expect(appErrorOf(refuse).code).toBe('conflict');
  });

  it('fails on another code, another message, another error or no error', async () => {
    expect(() => expectAppError(refuse, 'not_found', /lease/)).toThrow();
    expect(() => expectAppError(refuse, 'conflict', /deadline/)).toThrow();
    expect(() => expectAppError(() => JSON.parse('{'), 'invalid', /x/)).toThrow(/expected an AppError invalid/);
    expect(() => expectAppError(() => 1, 'invalid', /x/)).toThrow(/no error at all/);
    await expect(expectAppError(Promise.resolve(1), 'invalid', /x/)).rejects.toThrow(/no error at all/);
  });
});
