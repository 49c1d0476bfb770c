/**
 * Append-only deployment events. Sequence numbers are handed out inside the caller's
 * transaction: the per-deployment `last_seq` and the global cursor are bumped under row
 * locks, so seqs are gapless from 1 and cursors follow commit order. The NOTIFY issued here
 * is delivered by PostgreSQL only when (and if) the transaction commits: publishing happens
 * after commit by construction, and reaches every Flightdeck process listening.
 *
 * Within a deployment, times never go backwards: an event is dated no earlier than the one before
 * it (writers take their `at` before waiting for the row lock, so a later seq may carry an
 * earlier clock reading).
 *
 * Events that stand for an outcome people are notified of enqueue those notifications in the
 * same transaction (the outbox), so a notification exists exactly when its event does.
 */
import type { Prisma } from '../db/client';
import { enqueueForEvents } from '../notifications/outbox';

export type Tx = Prisma.TransactionClient;

export interface NewEvent {
  type: string;
  message: string;
  data?: Record<string, unknown>;
}

export interface StoredEvent {
  deploymentId: string;
  seq: number;
  cursor: number;
  type: string;
  message: string;
  data: Record<string, unknown>;
  actor: string;
  at: string;
}

export const EVENTS_CHANNEL = 'flightdeck_events';

export async function appendEvents(
  tx: Tx,
  deploymentId: string,
  events: NewEvent[],
  actor: string,
  at: Date,
): Promise<Array<{ seq: number; cursor: number }>> {
  const n = events.length;
  if (n === 0) return [];
  const seqRows = await tx.$queryRaw<Array<{ last_seq: number; service_id: string; last_at: Date | null }>>`
    UPDATE deployments d SET last_seq = d.last_seq + ${n}, updated_at = ${at}
    WHERE d.id = ${deploymentId}::uuid
    RETURNING d.last_seq, d.service_id,
      (SELECT e.at FROM events e WHERE e.deployment_id = d.id ORDER BY e.seq DESC LIMIT 1) AS last_at`;
  const seqRow = seqRows[0];
  if (!seqRow) throw new Error(`deployment ${deploymentId} not found while appending events`);
  const when = seqRow.last_at && seqRow.last_at.getTime() > at.getTime() ? seqRow.last_at : at;
  const curRows = await tx.$queryRaw<Array<{ value: bigint }>>`
    UPDATE event_cursor SET value = value + ${n} WHERE id = 1 RETURNING value`;
  const lastCursor = Number(curRows[0]!.value);
  const firstSeq = seqRow.last_seq - n + 1;
  const firstCursor = lastCursor - n + 1;
  await tx.event.createMany({
    data: events.map((e, i) => ({
      deploymentId,
      seq: firstSeq + i,
      cursor: BigInt(firstCursor + i),
      type: e.type,
      message: e.message,
      data: (e.data ?? {}) as Prisma.InputJsonValue,
      actor,
      at: when,
    })),
  });
  // Outcomes people subscribe to are enqueued for delivery in this same transaction.
  await enqueueForEvents(tx, deploymentId, events, actor, at);
  const payload = JSON.stringify({ deploymentId, serviceId: seqRow.service_id, seq: seqRow.last_seq, cursor: lastCursor });
  await tx.$executeRaw`SELECT pg_notify(${EVENTS_CHANNEL}, ${payload})`;
  return events.map((_, i) => ({ seq: firstSeq + i, cursor: firstCursor + i }));
}
