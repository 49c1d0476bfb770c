/**
 * Live feed over socket.io: one room per deployment, one for the overview. Every message
 * carries its event's sequence number (or global cursor). Ordering and catch-up come from
 * the database: a subscriber says the last seq it has; the server sends what follows from
 * PostgreSQL, then keeps sending as NOTIFY hints arrive — from this process or any other
 * Flightdeck process sharing the database.
 *
 * Fan-out costs one database read per event per process, whatever the number of viewers: each
 * room has one feed that reads what follows its head once and broadcasts it to the room (keeping
 * the latest events in memory for newcomers). A newcomer is sent what it lacks up to the feed's
 * head, then joins the room — on the feed's own queue, so nothing is broadcast in between: a
 * socket sees each event once, in order, never going backwards.
 */
import type { Server, Socket } from 'socket.io';
import type { Db } from '../db/client';
import { readEvents, readEventsAfterCursor } from '../events/read';
import { EVENTS_CHANNEL, type StoredEvent } from '../events/append';
import type { EventHint, PgBus } from '../events/bus';
import { isUuid } from '../services/validate';

/** Latest events kept per feed for newcomers (older catch-ups read the database). */
const KEEP = 256;
const PAGE = 500;

interface Feed {
  room: string;
  /** socket.io event name of its messages. */
  message: 'event' | 'overview-event';
  /** Position (seq or cursor) of an event. */
  pos: (e: StoredEvent) => number;
  /** Events after a position, in order, at most `limit`. */
  read: (after: number, limit: number) => Promise<StoredEvent[]>;
  /** The position of the latest event now. */
  latest: () => Promise<number>;
  /** Every event up to here has been broadcast to the room (null until first known). */
  head: number | null;
  kept: StoredEvent[];
  queue: Promise<void>;
  /** Sockets waiting to be admitted (the feed must outlive its empty room for them). */
  admitting: number;
}

export interface RealtimeStats {
  /** Database reads made by the live feed since it started. */
  reads: number;
}

export function attachRealtime(io: Server, db: Db, bus: PgBus): RealtimeStats {
  const stats: RealtimeStats = { reads: 0 };
  const feeds = new Map<string, Feed>();
  const counted = <T>(p: Promise<T>) => {
    stats.reads++;
    return p;
  };

  const deploymentFeed = (id: string): Feed => ({
    room: `deployment:${id}`,
    message: 'event',
    pos: (e) => e.seq,
    read: (after, limit) => counted(readEvents(db, id, after, limit)),
    latest: async () => (await counted(db.deployment.findUnique({ where: { id }, select: { lastSeq: true } })))?.lastSeq ?? 0,
    head: null,
    kept: [],
    queue: Promise.resolve(),
    admitting: 0,
  });

  const overviewFeed = (): Feed => ({
    room: 'overview',
    message: 'overview-event',
    pos: (e) => e.cursor,
    read: (after, limit) => counted(readEventsAfterCursor(db, after, limit)),
    latest: async () => Number((await counted(db.eventCursor.findUnique({ where: { id: 1 } })))?.value ?? 0),
    head: null,
    kept: [],
    queue: Promise.resolve(),
    admitting: 0,
  });

  /** Run `work` on the feed's queue: feeds change one step at a time. */
  const enqueue = (f: Feed, work: () => Promise<void>) => {
    f.queue = f.queue.then(work).catch(() => {
      /* the database is away: the next hint or reconnection catches up */
    });
    return f.queue;
  };

  const roomSize = (room: string) => io.sockets.adapter.rooms.get(room)?.size ?? 0;

  /** Read what follows the head once and broadcast it to the room. */
  const advance = async (f: Feed) => {
    if (f.head === null) return;
    for (;;) {
      const events = await f.read(f.head, PAGE);
      let sent = 0;
      for (const e of events) {
        // A deployment's seqs are gapless: never skip one, the next read fills the gap.
        if (f.message === 'event' && f.pos(e) !== f.head + 1) break;
        io.to(f.room).emit(f.message, e);
        f.head = f.pos(e);
        f.kept.push(e);
        sent++;
      }
      if (f.kept.length > KEEP) f.kept.splice(0, f.kept.length - KEEP);
      if (events.length < PAGE || sent < events.length) return;
    }
  };

  /** Send the socket what it lacks after `after` up to the head, then let it into the room. */
  const admit = async (f: Feed, socket: Socket, after: number) => {
    if (f.head === null) f.head = await f.latest();
    if (after > f.head) await advance(f);
    const head = f.head;
    const first = f.kept[0];
    let missing: StoredEvent[];
    if (first && f.pos(first) <= after + 1) {
      missing = f.kept.filter((e) => f.pos(e) > after);
    } else {
      missing = [];
      for (let from = after; from < head; ) {
        const page = (await f.read(from, PAGE)).filter((e) => f.pos(e) <= head);
        missing.push(...page);
        if (page.length < PAGE) break;
        from = f.pos(page.at(-1)!);
      }
    }
    if (!socket.connected) return;
    for (const e of missing) socket.emit(f.message, e);
    void socket.join(f.room);
  };

  const subscribe = (socket: Socket, key: string, make: () => Feed, after: number) => {
    const f = feeds.get(key) ?? make();
    feeds.set(key, f);
    void socket.leave(f.room);
    f.admitting++;
    void enqueue(f, () => admit(f, socket, after).finally(() => f.admitting--));
  };

  /** Forget feeds nobody watches (their next viewer starts a fresh one). */
  const prune = (room: string) => {
    const f = feeds.get(room);
    const unused = () => f !== undefined && roomSize(room) === 0 && f.admitting === 0 && feeds.get(room) === f;
    if (unused()) void f!.queue.then(() => unused() && feeds.delete(room));
  };

  io.on('connection', (socket) => {
    socket.on('disconnecting', () => {
      const rooms = [...socket.rooms];
      setImmediate(() => rooms.forEach(prune));
    });

    socket.on('subscribe', (msg: { deploymentId?: unknown; afterSeq?: unknown }, ack?: (r: unknown) => void) => {
      const id = String(msg?.deploymentId ?? '');
      const after = Number(msg?.afterSeq ?? 0);
      if (!isUuid(id) || !Number.isInteger(after) || after < 0) {
        ack?.({ error: { code: 'invalid', message: 'subscribe needs {deploymentId: uuid, afterSeq: integer ≥ 0}' } });
        return;
      }
      subscribe(socket, `deployment:${id}`, () => deploymentFeed(id), after);
      ack?.({ ok: true });
    });

    socket.on('unsubscribe', (msg: { deploymentId?: unknown }) => {
      const room = `deployment:${String(msg?.deploymentId ?? '')}`;
      void socket.leave(room);
      prune(room);
    });

    socket.on('subscribe-overview', (msg: { afterCursor?: unknown }, ack?: (r: unknown) => void) => {
      const after = Number(msg?.afterCursor ?? 0);
      if (!Number.isInteger(after) || after < 0) {
        ack?.({ error: { code: 'invalid', message: 'subscribe-overview needs {afterCursor: integer ≥ 0}' } });
        return;
      }
      subscribe(socket, 'overview', overviewFeed, after);
      ack?.({ ok: true });
    });
  });

  bus.on(EVENTS_CHANNEL, (hint: EventHint) => {
    if (!hint?.deploymentId) return;
    const d = feeds.get(`deployment:${hint.deploymentId}`);
    // A hint says "up to here exists": a feed already there reads nothing.
    if (d) void enqueue(d, async () => (d.head === null || hint.seq > d.head ? advance(d) : undefined));
    const o = feeds.get('overview');
    if (o) void enqueue(o, async () => (o.head === null || hint.cursor > o.head ? advance(o) : undefined));
  });

  // After a lost LISTEN connection, hints may have been missed: each feed reads once.
  bus.on('reconnected', () => {
    for (const f of feeds.values()) void enqueue(f, () => advance(f));
  });

  return stats;
}
