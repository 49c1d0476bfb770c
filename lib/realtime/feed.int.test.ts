/**
 * Feed fan-out: the live feed reads each event from the database once per process, whatever
 * the number of viewers, and every viewer still receives every event exactly once, in order —
 * on the deployment's room and on the overview. A newcomer catches up from where it says it is.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server as SocketServer } from 'socket.io';
import { io as connect } from 'socket.io-client';
import { createTestDatabase, type TestDatabase } from '../testing/db';
import { World } from '../testing/fixtures';
import { fanout } from '../testing/feed';
import { appendEvents, EVENTS_CHANNEL, type StoredEvent } from '../events/append';
import { PgBus } from '../events/bus';
import { attachRealtime } from './server';
import { until } from '../testing/until';

let tdb: TestDatabase;
let w: World;

beforeAll(async () => {
  tdb = await createTestDatabase();
  w = new World(tdb.db);
  await w.service({ name: 'feed-svc' }, ['1.0.0']);
  await w.service({ name: 'feed-late' }, ['1.0.0']);
});
afterAll(async () => {
  await tdb.drop();
});

it('reads each event once, whether 5 or 60 viewers watch; each viewer gets every event once, in order', async () => {
  const { id } = await w.start('feed-svc', { version: '1.0.0' });
  const events = 15;
  const few = await fanout({ db: tdb.db, databaseUrl: tdb.url, deploymentId: id, viewers: 5, events, everyMs: 30 });
  const many = await fanout({ db: tdb.db, databaseUrl: tdb.url, deploymentId: id, viewers: 60, events, everyMs: 30 });
  for (const r of [few, many]) {
    const first = r.received[0]![0]!;
    const expected = Array.from({ length: events }, (_, i) => first + i);
    for (const got of r.received) expect(got).toEqual(expected);
    for (const got of r.overview) expect(got).toEqual([...got].sort((a, b) => a - b));
    for (const got of r.overview) expect(new Set(got).size).toBe(got.length);
    // One read per event per room at most (two rooms: the deployment's and the overview).
    expect(r.readsDuringEvents).toBeLessThanOrEqual(2 * events);
    expect(r.latencies).toHaveLength(r.viewers * events);
  }
  expect(many.readsDuringEvents).toBeLessThanOrEqual(few.readsDuringEvents + 2);
}, 120_000);

it('a newcomer gets what it lacks after its seq, then what follows, with no gap and no duplicate', async () => {
  const { id } = await w.start('feed-late', { version: '1.0.0' });
  const server = http.createServer();
  const io = new SocketServer(server, { serveClient: false });
  const bus = new PgBus(tdb.url, [EVENTS_CHANNEL]);
  await bus.start();
  attachRealtime(io, tdb.db, bus);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const append = (n: number) => tdb.db.$transaction((tx) => appendEvents(tx, id, Array.from({ length: n }, (_, i) => ({ type: 'x', message: `${i}` })), 'test', new Date()));
  try {
    await append(5);
    const early = connect(url, { transports: ['websocket'], forceNew: true });
    const earlySeqs: number[] = [];
    early.on('event', (e: StoredEvent) => earlySeqs.push(e.seq));
    await new Promise((r) => early.emit('subscribe', { deploymentId: id, afterSeq: 0 }, r));
    const last = async () => (await tdb.db.deployment.findUniqueOrThrow({ where: { id } })).lastSeq;
    await until('the early viewer to catch up', async () => earlySeqs.at(-1) === (await last()));
    await append(3);
    const late = connect(url, { transports: ['websocket'], forceNew: true });
    const lateSeqs: number[] = [];
    late.on('event', (e: StoredEvent) => lateSeqs.push(e.seq));
    await new Promise((r) => late.emit('subscribe', { deploymentId: id, afterSeq: 2 }, r));
    await append(4);
    const end = await last();
    await until('both viewers to have everything', () => earlySeqs.at(-1) === end && lateSeqs.at(-1) === end);
    expect(earlySeqs).toEqual(Array.from({ length: end }, (_, i) => i + 1));
    expect(lateSeqs).toEqual(Array.from({ length: end - 2 }, (_, i) => i + 3));
    early.close();
    late.close();
  } finally {
    io.close();
    await new Promise<void>((r) => {
      server.close(() => r());
      server.closeAllConnections();
    });
    await bus.close();
  }
});
