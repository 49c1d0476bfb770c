/**
 * Waiting in tests: poll a condition until it holds, never sleep a fixed time. The one
 * polling helper for tests (and benchmarks): a timeout names what was awaited.
 */
export interface UntilOptions {
  /** Give up after this long (default 30 s). */
  timeoutMs?: number;
  /** Pause between two tries (default 100 ms). */
  everyMs?: number;
  /** A throw from the condition means "not yet" (a server still starting) instead of failing at once. */
  tolerateErrors?: boolean;
}

type Maybe<T> = T | null | undefined | false;

/**
 * Calls `condition` until it returns a truthy value, and returns that value. `options` may be
 * the timeout in milliseconds alone.
 */
export async function until<T>(what: string, condition: () => Maybe<T> | Promise<Maybe<T>>, options: UntilOptions | number = {}): Promise<T> {
  const o = typeof options === 'number' ? { timeoutMs: options } : options;
  const deadline = Date.now() + (o.timeoutMs ?? 30_000);
  let lastError: unknown = null;
  for (;;) {
    try {
      const v = await condition();
      if (v) return v;
    } catch (e) {
      if (!o.tolerateErrors) throw e;
      lastError = e;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}${lastError ? ` (last error: ${(lastError as Error).message ?? String(lastError)})` : ''}`);
    }
    await new Promise((r) => setTimeout(r, o.everyMs ?? 100));
  }
}
