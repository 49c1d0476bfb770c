/**
 * The HAProxy process of the fleet's edge and its Runtime API: Debian's `haproxy` (installed on
 * first use when Flightdeck runs as root on Debian, as it installs nothing else behind your
 * back), run in master-worker mode from Flightdeck's data folder, detached so it outlives the
 * control plane — a restarted control plane re-attaches to it and no request is dropped.
 * Reloads (only when a new frontend appears) go through the master's socket: the new worker
 * takes over the listening sockets, the old one finishes its requests.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';

export function haproxyBinary(): string | null {
  const find = () => ['/usr/sbin/haproxy', '/usr/bin/haproxy', '/usr/local/sbin/haproxy'].find((p) => existsSync(p)) ?? null;
  if (find() || process.getuid?.() !== 0 || !existsSync('/usr/bin/apt-get')) return find();
  const apt = (args: string[]) => spawnSync('apt-get', args, { stdio: 'ignore', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } }).status === 0;
  if (!apt(['install', '-y', '--no-install-recommends', 'haproxy']) && apt(['update'])) apt(['install', '-y', '--no-install-recommends', 'haproxy']);
  return find();
}

/** Send commands to a HAProxy CLI socket (`;`-separated, one connection) and return its answer. */
export function socketCommand(socket: string, command: string, timeoutMs = 5000): Promise<string> {
  return new Promise((resolve, reject) => {
    const c = net.connect(socket, () => c.end(`${command}\n`));
    let out = '';
    c.setTimeout(timeoutMs, () => c.destroy(new Error(`HAProxy did not answer "${command.slice(0, 60)}" within ${timeoutMs} ms`)));
    c.on('data', (d: Buffer) => (out += d.toString()));
    c.on('end', () => resolve(out));
    c.on('error', reject);
  });
}

export interface StatRow {
  proxy: string;
  server: string;
  /** Sessions in flight now. */
  scur: number;
  status: string;
  hrsp: { '1xx': number; '2xx': number; '3xx': number; '4xx': number; '5xx': number; other: number };
  /** Responses the server failed to give (aborted, invalid). */
  eresp: number;
}

/** Parse `show stat` (CSV with a "# " header line). */
export function parseStat(csv: string): StatRow[] {
  const lines = csv.split('\n').filter(Boolean);
  const header = lines[0]?.replace(/^# /, '').split(',') ?? [];
  const col = (name: string) => header.indexOf(name);
  const idx = {
    px: col('pxname'),
    sv: col('svname'),
    scur: col('scur'),
    status: col('status'),
    eresp: col('eresp'),
    h1: col('hrsp_1xx'),
    h2: col('hrsp_2xx'),
    h3: col('hrsp_3xx'),
    h4: col('hrsp_4xx'),
    h5: col('hrsp_5xx'),
    ho: col('hrsp_other'),
  };
  const n = (cells: string[], i: number) => Number(cells[i] || 0) || 0;
  return lines.slice(1).map((line) => {
    const c = line.split(',');
    return {
      proxy: c[idx.px] ?? '',
      server: c[idx.sv] ?? '',
      scur: n(c, idx.scur),
      status: c[idx.status] ?? '',
      eresp: n(c, idx.eresp),
      hrsp: { '1xx': n(c, idx.h1), '2xx': n(c, idx.h2), '3xx': n(c, idx.h3), '4xx': n(c, idx.h4), '5xx': n(c, idx.h5), other: n(c, idx.ho) },
    };
  });
}

export interface HaproxyPaths {
  dir: string;
  config: string;
  map: string;
  adminSocket: string;
  masterSocket: string;
  pidFile: string;
  log: string;
}

export function haproxyPaths(dir: string): HaproxyPaths {
  return {
    dir,
    config: path.join(dir, 'haproxy.cfg'),
    map: path.join(dir, 'split.map'),
    adminSocket: path.join(dir, 'admin.sock'),
    masterSocket: path.join(dir, 'master.sock'),
    pidFile: path.join(dir, 'haproxy.pid'),
    log: path.join(dir, 'haproxy.log'),
  };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The running master's pid, when the pid file names a live process whose master socket answers. */
async function runningMaster(p: HaproxyPaths): Promise<number | null> {
  if (!existsSync(p.pidFile)) return null;
  const pid = Number(readFileSync(p.pidFile, 'utf8').trim().split('\n')[0]);
  if (!pid || !alive(pid)) return null;
  try {
    const procs = await socketCommand(p.masterSocket, 'show proc', 1000);
    return procs.includes('master') ? pid : null;
  } catch {
    return null;
  }
}

export class Haproxy {
  private constructor(
    readonly paths: HaproxyPaths,
    readonly pid: number,
    readonly attached: boolean,
  ) {}

  /** Re-attach to the edge left running in `dir`, or start it with the files already written there. */
  static async start(dir: string, log?: (m: string) => void): Promise<Haproxy> {
    const p = haproxyPaths(dir);
    const running = await runningMaster(p);
    if (running) {
      log?.(`re-attached to HAProxy (master pid ${running})`);
      return new Haproxy(p, running, true);
    }
    const bin = haproxyBinary();
    if (!bin) throw new Error('the fleet runtime needs HAProxy: install Debian\'s "haproxy" package (apt-get install haproxy)');
    const check = spawnSync(bin, ['-c', '-f', p.config], { encoding: 'utf8' });
    if (check.status !== 0) throw new Error(`HAProxy refused its configuration: ${(check.stderr || check.stdout).trim()}`);
    const out = openSync(p.log, 'a');
    const child = spawn(bin, ['-W', '-S', `${p.masterSocket},mode,600`, '-f', p.config, '-p', p.pidFile], { detached: true, stdio: ['ignore', out, out] });
    child.unref();
    const until = Date.now() + 10_000;
    while (Date.now() < until) {
      if (existsSync(p.adminSocket) && (await socketCommand(p.adminSocket, 'show info', 1000).catch(() => '')).includes('Name: HAProxy')) {
        log?.(`started HAProxy (master pid ${child.pid}) with ${p.config}`);
        return new Haproxy(p, child.pid!, false);
      }
      if (child.exitCode !== null) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`HAProxy did not start; see ${p.log}`);
  }

  /** Runtime API: one command (or several, `;`-separated). */
  command(cmd: string): Promise<string> {
    return socketCommand(this.paths.adminSocket, cmd);
  }

  async stats(): Promise<StatRow[]> {
    return parseStat(await this.command('show stat'));
  }

  /** Write a new configuration and map, check it, and reload seamlessly. Resolves once the new worker answers. */
  async reload(config: string, map: string): Promise<void> {
    // The running worker read its map at start: the file only matters to the next one.
    writeFileSync(this.paths.map, map);
    writeFileSync(`${this.paths.config}.next`, config);
    const bin = haproxyBinary()!;
    const check = spawnSync(bin, ['-c', '-f', `${this.paths.config}.next`], { encoding: 'utf8' });
    if (check.status !== 0) throw new Error(`HAProxy refused the new configuration: ${(check.stderr || check.stdout).trim()}`);
    writeFileSync(this.paths.config, config);
    const before = await this.command('show info').catch(() => '');
    const oldPid = /Pid: (\d+)/.exec(before)?.[1];
    await socketCommand(this.paths.masterSocket, 'reload');
    const until = Date.now() + 10_000;
    while (Date.now() < until) {
      const info = await this.command('show info').catch(() => '');
      const pid = /Pid: (\d+)/.exec(info)?.[1];
      if (pid && pid !== oldPid) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`HAProxy did not reload; see ${this.paths.log}`);
  }

  /** Stop the edge (tests, or removing the fleet): every service address stops answering. */
  async stop(): Promise<void> {
    try {
      process.kill(this.pid, 'SIGTERM');
    } catch {
      return;
    }
    const until = Date.now() + 5000;
    while (alive(this.pid) && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    if (alive(this.pid)) process.kill(this.pid, 'SIGKILL');
  }
}
