/**
 * A node-postgres client that sends its queries one after another. Prisma runs the parts of
 * one query (the relations of an `include`) side by side; inside a transaction every part
 * goes to the transaction's single connection, where pg would queue them itself — but
 * queueing on a busy client is deprecated (a warning now, an error in pg@9). Waiting for the
 * previous query before handing over the next one keeps the same order without the queue.
 * Callback and submittable (cursor, stream) queries pass through untouched.
 */
import pg from 'pg';

type AnyQuery = (...args: unknown[]) => unknown;

export class SerialClient extends pg.Client {
  #tail: Promise<unknown> = Promise.resolve();

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the same overloads as pg.Client.query
  override query(...args: any[]): any {
    const run = (): unknown => (super.query as unknown as AnyQuery).apply(this, args);
    const first = args[0] as { submit?: unknown } | undefined;
    if (typeof args[args.length - 1] === 'function' || typeof first?.submit === 'function') return run();
    const next = this.#tail.then(run, run);
    this.#tail = next.catch(() => undefined);
    return next;
  }
}
