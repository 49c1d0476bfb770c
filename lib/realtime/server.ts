/**
 * Live feed over socket.io: one room per deployment, one for the overview. Every message
 * carries its event's sequence number (or global cursor). Ordering and catch-up come from
 * the database: a subscriber says the last seq it has; the server sends what follows from
 * PostgreSQL, then keeps sending as NOTIFY hints arrive — from this process or any other
 * Flightdeck process sharing the database. Per socket, sends are serialised and never go
 * backwards, so a client sees each event once, in order.
 */
import type { Server, Socket } from 'socket.io';
import type { Db } from '../db/client';
import { readEvents, readEventsAfterCursor } from '../events/read';
import { EVENTS_CHANNEL, type StoredEvent } from '../events/append';
import type { EventHint, PgBus } from '../events/bus';
import { isUuid } from '../services/validate';

interface Subscription {
  lastSeq: number;
  chain: Promise<void>;
}

interface SocketState {
  deployments: Map<string, Subscription>;
  overview: Subscription | null;
}

export function attachRealtime(io: Server, db: Db, bus: PgBus): void {
  const states = new Map<string, SocketState>();

  const flushDeployment = (socket: Socket, deploymentId: string) => {
    const sub = states.get(socket.id)?.deployments.get(deploymentId);
    if (!sub) return;
    sub.chain = sub.chain.then(async () => {
      const events = await readEvents(db, deploymentId, sub.lastSeq);
      for (const e of events) {
        if (e.seq !== sub.lastSeq + 1) break; // never skip: a gap is filled by the next read
        socket.emit('event', e);
        sub.lastSeq = e.seq;
      }
    }).catch(() => {});
  };

  const flushOverview = (socket: Socket) => {
    const sub = states.get(socket.id)?.overview;
    if (!sub) return;
    sub.chain = sub.chain.then(async () => {
      const events: StoredEvent[] = await readEventsAfterCursor(db, sub.lastSeq);
      for (const e of events) {
        socket.emit('overview-event', e);
        sub.lastSeq = e.cursor;
      }
    }).catch(() => {});
  };

  io.on('connection', (socket) => {
    states.set(socket.id, { deployments: new Map(), overview: null });
    socket.on('disconnect', () => states.delete(socket.id));

    socket.on('subscribe', (msg: { deploymentId?: unknown; afterSeq?: unknown }, ack?: (r: unknown) => void) => {
      const id = String(msg?.deploymentId ?? '');
      const after = Number(msg?.afterSeq ?? 0);
      if (!isUuid(id) || !Number.isInteger(after) || after < 0) {
        ack?.({ error: { code: 'invalid', message: 'subscribe needs {deploymentId: uuid, afterSeq: integer ≥ 0}' } });
        return;
      }
      void socket.join(`deployment:${id}`);
      states.get(socket.id)?.deployments.set(id, { lastSeq: after, chain: Promise.resolve() });
      flushDeployment(socket, id);
      ack?.({ ok: true });
    });

    socket.on('unsubscribe', (msg: { deploymentId?: unknown }) => {
      const id = String(msg?.deploymentId ?? '');
      void socket.leave(`deployment:${id}`);
      states.get(socket.id)?.deployments.delete(id);
    });

    socket.on('subscribe-overview', (msg: { afterCursor?: unknown }, ack?: (r: unknown) => void) => {
      const after = Number(msg?.afterCursor ?? 0);
      if (!Number.isInteger(after) || after < 0) {
        ack?.({ error: { code: 'invalid', message: 'subscribe-overview needs {afterCursor: integer ≥ 0}' } });
        return;
      }
      void socket.join('overview');
      const st = states.get(socket.id);
      if (st) st.overview = { lastSeq: after, chain: Promise.resolve() };
      flushOverview(socket);
      ack?.({ ok: true });
    });
  });

  bus.on(EVENTS_CHANNEL, (hint: EventHint) => {
    if (!hint?.deploymentId) return;
    for (const socketId of io.sockets.adapter.rooms.get(`deployment:${hint.deploymentId}`) ?? []) {
      const socket = io.sockets.sockets.get(socketId);
      if (socket) flushDeployment(socket, hint.deploymentId);
    }
    for (const socketId of io.sockets.adapter.rooms.get('overview') ?? []) {
      const socket = io.sockets.sockets.get(socketId);
      if (socket) flushOverview(socket);
    }
  });

  // After a lost LISTEN connection, hints may have been missed: re-read for everyone.
  bus.on('reconnected', () => {
    for (const [socketId, st] of states) {
      const socket = io.sockets.sockets.get(socketId);
      if (!socket) continue;
      for (const id of st.deployments.keys()) flushDeployment(socket, id);
      if (st.overview) flushOverview(socket);
    }
  });
}
