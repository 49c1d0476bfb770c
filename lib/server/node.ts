/**
 * One Flightdeck process: the deployment worker, the socket.io live feed and (optionally)
 * the Next.js panel and API, on one HTTP server. Several may share one database.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server as SocketServer } from 'socket.io';
import { systemClock, type Clock } from '../clock';
import { createDb, type Db } from '../db/client';
import { PgBus } from '../events/bus';
import { EVENTS_CHANNEL } from '../events/append';
import { attachRealtime } from '../realtime/server';
import { authenticateSockets } from '../auth/socket';
import { Worker } from '../deploy/worker';
import type { Runtime } from '../runtime/types';
import type { RuntimeExtras } from '../runtime/types';
import type { EnvironmentTarget } from '../runtime/registry';
import { advanceReleases, expireApprovals, recordAllTrafficMinutes } from '../services';
import { watchCrashes } from '../deploy/crash-watcher';
import { EDGE_SERVER_OPTIONS, guardServer } from '../api/edge';
import { loopLagReporter } from '../observability/metrics';
import { scheduleWarmCleanups } from '../deploy/warm';
import { NotificationDeliverer } from '../notifications/deliver';

/** The worker's poll interval when none is given (the worker's own default). */
const DEFAULT_POLL_MS = 1000;

export interface NodeOptions {
  databaseUrl: string;
  /** The runtime of every environment, unless `runtimeFor` gives an environment its own. */
  runtime: Runtime;
  runtimeFor?: (env: EnvironmentTarget) => Runtime & RuntimeExtras;
  port: number;
  hostname?: string;
  clock?: Clock;
  owner?: string;
  /** Handles every HTTP request socket.io does not (the Next.js request handler). */
  requestHandler?: http.RequestListener;
  worker?: boolean;
  /** Reclaim this owner's leases at start (a restart under the same identity). */
  resumeOwn?: boolean;
  pollMs?: number;
  log?: (msg: string) => void;
}

export interface FlightdeckNode {
  url: string;
  db: Db;
  worker: Worker | null;
  io: SocketServer;
  close(opts?: { abandon?: boolean }): Promise<void>;
}

export async function startNode(o: NodeOptions): Promise<FlightdeckNode> {
  // The server's pool keeps its connections five minutes: warm backends between quiet spells.
  const db = createDb(o.databaseUrl, { idleMs: 300_000 });
  const runtimeFor = (env: EnvironmentTarget): Runtime & RuntimeExtras => o.runtimeFor?.(env) ?? o.runtime;
  const bus = new PgBus(o.databaseUrl, [EVENTS_CHANNEL]);
  bus.on('error', (e: Error) => o.log?.(`event bus: ${e.message}`));
  await bus.start();

  const server = http.createServer(EDGE_SERVER_OPTIONS, o.requestHandler ?? ((_req, res) => res.writeHead(404).end()));
  // Idle keep-alive connections stay open longer than clients and proxies keep theirs (Node's 5 s
  // default races a client reusing the socket as the server closes it: ECONNRESET).
  server.keepAliveTimeout = 65_000;
  // Requests Node cannot parse (headers over the limit, garbage) get the API's error shape too.
  guardServer(server);
  const io = new SocketServer(server, { serveClient: false });
  authenticateSockets(io, db);
  attachRealtime(io, db, bus);

  // How late each claim pass runs against the poll interval, for the control-plane metrics.
  const workerTicked = loopLagReporter(o.pollMs ?? DEFAULT_POLL_MS);
  const clock = o.clock ?? systemClock;
  const deliverer = new NotificationDeliverer({ db, clock, log: o.log });
  const worker =
    o.worker === false
      ? null
      : new Worker({
          db,
          runtime: o.runtime,
          runtimeFor: o.runtimeFor,
          clock: o.clock ?? systemClock,
          owner: o.owner,
          databaseUrl: o.databaseUrl,
          pollMs: o.pollMs,
          resumeOwn: o.resumeOwn,
          log: o.log,
          // Releases move wave by wave as their deployments end; requests nobody approved in time expire.
          onTick: async (now) => {
            workerTicked();
            await advanceReleases({ db, clock: o.clock ?? systemClock });
            await expireApprovals({ db, clock: o.clock ?? systemClock }, now);
          },
          periodic: [
            // Error budgets: copy each service's per-minute traffic before the router forgets it (15 min).
            { name: 'traffic sampling', everyMs: 60_000, run: (now) => recordAllTrafficMinutes(db, runtimeFor, now) },
            // The outbox: deliver due notifications, retrying with backoff (it survives restarts: it is all in the database).
            { name: 'notifications', everyMs: 1_000, run: async () => void (await deliverer.tick()) },
            // Ended warm rollback windows: a lease per service, for a worker to stop the instances under its fence.
            { name: 'warm windows', everyMs: 5_000, run: async (now) => void (await scheduleWarmCleanups(db, now)) },
          ],
        });
  await worker?.start();
  const crashes = worker
    ? watchCrashes({ db, runtimes: async () => (await db.environment.findMany()).map((e) => runtimeFor(e)), log: o.log })
    : null;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.hostname ?? '0.0.0.0', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    db,
    worker,
    io,
    async close(opts = {}) {
      crashes?.stop();
      await worker?.stop(opts);
      io.close();
      await new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      });
      await bus.close();
      await db.$disconnect();
    },
  };
}
