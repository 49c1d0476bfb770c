/**
 * Many live viewers of one deployment, as the fan-out test and benchmark stage them: a socket.io
 * server with the live feed on a database, `viewers` clients (websocket) each subscribed to the
 * deployment and the overview, and events committed one by one. Records, per event and viewer,
 * the time from the commit to the arrival, and how many database reads the feed made.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { Server as SocketServer } from 'socket.io';
import { io as connect, type Socket } from 'socket.io-client';
import type { Db } from '../db/client';
import { PgBus } from '../events/bus';
import { appendEvents, EVENTS_CHANNEL, type StoredEvent } from '../events/append';
import { attachRealtime } from '../realtime/server';
import { until } from './until';

export interface FanoutReport {
  viewers: number;
  events: number;
  /** Milliseconds from each event's commit to its arrival, for every (event, viewer). */
  latencies: number[];
  /** Database reads the feed made while the events were committed and delivered. */
  readsDuringEvents: number;
  /** What each viewer received on the deployment room, in order (seqs), and on the overview (cursors). */
  received: number[][];
  overview: number[][];
}

/** `overview`: viewers also follow the overview (default true). */
export async function fanout(o: { db: Db; databaseUrl: string; deploymentId: string; viewers: number; events: number; everyMs: number; overview?: boolean }): Promise<FanoutReport> {
  const withOverview = o.overview ?? true;
  const server = http.createServer();
  const io = new SocketServer(server, { serveClient: false });
  const bus = new PgBus(o.databaseUrl, [EVENTS_CHANNEL]);
  await bus.start();
  const stats = attachRealtime(io, o.db, bus);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const clients: Socket[] = [];
  const committedAt = new Map<number, number>();
  const latencies: number[] = [];
  /** [seq, when it arrived]: an event can reach a viewer before the commit's promise resolves here. */
  const arrivals: Array<[number, number]> = [];
  const received: number[][] = [];
  const overview: number[][] = [];
  const startSeq = (await o.db.deployment.findUniqueOrThrow({ where: { id: o.deploymentId } })).lastSeq;
  const startCursor = Number((await o.db.eventCursor.findUniqueOrThrow({ where: { id: 1 } })).value);
  try {
    for (let i = 0; i < o.viewers; i++) {
      const c = connect(url, { transports: ['websocket'], reconnection: false, forceNew: true });
      const mine: number[] = [];
      const seen: number[] = [];
      received.push(mine);
      overview.push(seen);
      c.on('event', (e: StoredEvent) => {
        mine.push(e.seq);
        arrivals.push([e.seq, performance.now()]);
      });
      c.on('overview-event', (e: StoredEvent) => seen.push(e.cursor));
      await new Promise<void>((resolve, reject) => {
        c.once('connect', () => resolve());
        c.once('connect_error', reject);
      });
      await new Promise((r) => c.emit('subscribe', { deploymentId: o.deploymentId, afterSeq: startSeq }, r));
      if (withOverview) await new Promise((r) => c.emit('subscribe-overview', { afterCursor: startCursor }, r));
      clients.push(c);
    }
    // Every viewer admitted to both rooms before the first event.
    const inRoom = (room: string) => io.sockets.adapter.rooms.get(room)?.size ?? 0;
    await until('every viewer in its rooms', () => inRoom(`deployment:${o.deploymentId}`) === o.viewers && (!withOverview || inRoom('overview') === o.viewers));
    const readsBefore = stats.reads;
    for (let i = 0; i < o.events; i++) {
      const [ev] = await o.db.$transaction((tx) => appendEvents(tx, o.deploymentId, [{ type: 'fanout', message: `event ${i}` }], 'bench', new Date()));
      committedAt.set(ev!.seq, performance.now()); // the commit returned
      await new Promise((r) => setTimeout(r, o.everyMs));
    }
    const lastSeq = startSeq + o.events;
    await until('every viewer to receive every event', () => received.every((r) => r.at(-1) === lastSeq) && (!withOverview || overview.every((r) => r.length >= o.events)), {
      timeoutMs: 120_000,
      everyMs: 20,
    });
    // Commit → arrival; an arrival that beat the commit's return to this process counts as 0.
    for (const [seq, at] of arrivals) if (committedAt.has(seq)) latencies.push(Math.max(0, at - committedAt.get(seq)!));
    return { viewers: o.viewers, events: o.events, latencies, readsDuringEvents: stats.reads - readsBefore, received, overview };
  } finally {
    for (const c of clients) c.close();
    io.close();
    await new Promise<void>((r) => {
      server.close(() => r());
      server.closeAllConnections();
    });
    await bus.close();
  }
}
