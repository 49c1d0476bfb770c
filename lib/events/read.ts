import type { Db } from '../db/client';
import type { StoredEvent } from './append';

type Row = {
  deploymentId: string;
  seq: number;
  cursor: bigint;
  type: string;
  message: string;
  data: unknown;
  actor: string;
  at: Date;
};

export function toStored(r: Row): StoredEvent {
  return {
    deploymentId: r.deploymentId,
    seq: r.seq,
    cursor: Number(r.cursor),
    type: r.type,
    message: r.message,
    data: (r.data ?? {}) as Record<string, unknown>,
    actor: r.actor,
    at: r.at.toISOString(),
  };
}

/** Events of one deployment with seq > after, in sequence order. */
export async function readEvents(db: Db, deploymentId: string, after = 0, limit = 1000): Promise<StoredEvent[]> {
  const rows = await db.event.findMany({
    where: { deploymentId, seq: { gt: after } },
    orderBy: { seq: 'asc' },
    take: limit,
  });
  return rows.map(toStored);
}

/** Events of every deployment after a global cursor, in commit order (the overview feed). */
export async function readEventsAfterCursor(db: Db, after: number, limit = 500): Promise<StoredEvent[]> {
  const rows = await db.event.findMany({
    where: { cursor: { gt: BigInt(after) } },
    orderBy: { cursor: 'asc' },
    take: limit,
  });
  return rows.map(toStored);
}

/** The global event cursor now: a live view that read its data at this point subscribes after it. */
export async function currentCursor(db: Db): Promise<number> {
  const row = await db.eventCursor.findUnique({ where: { id: 1 } });
  return Number(row?.value ?? 0);
}
