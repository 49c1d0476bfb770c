/**
 * The work channel: a NOTIFY on it, sent inside the transaction that creates or changes a
 * deployment or release, wakes every worker when (and only if) that transaction commits — a
 * person's abort reaches the worker running the deployment within milliseconds, not at its
 * next poll.
 */
import type { Tx } from '../events/append';

export const WORK_CHANNEL = 'flightdeck_work';

export async function notifyWork(tx: Tx, id: string): Promise<void> {
  await tx.$executeRaw`SELECT pg_notify(${WORK_CHANNEL}, ${id})`;
}
