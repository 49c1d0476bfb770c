/**
 * Real hosts on one machine, for the fleet tests and benchmarks: each host is a Linux network
 * namespace joined to this one by a veth pair (10.<net>.<i>.2 inside, .1 outside), running one
 * Flightdeck agent. The control plane, HAProxy and the load generator stay outside, so every
 * request crosses a link that can be cut (`cut()` downs the host's end of it: packets vanish,
 * as when a machine falls off the network). Needs root (iproute2); `netnsUnavailable()` says
 * why not when it cannot run.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ROOT } from './real-world';
import { until } from './until';

const AGENT_PORT = 7070;

function ip(args: string[], opts: { ns?: string; tolerate?: boolean } = {}): string {
  const argv = opts.ns ? ['netns', 'exec', opts.ns, 'ip', ...args] : args;
  const r = spawnSync('ip', argv, { encoding: 'utf8' });
  if (r.status !== 0 && !opts.tolerate) throw new Error(`ip ${argv.join(' ')}: ${r.stderr.trim()}`);
  return r.stdout;
}

/** Null when namespaces can be made here, otherwise why not (the tests skip, saying so). */
export function netnsUnavailable(): string | null {
  if (process.getuid?.() !== 0) return 'the fleet tests need root: they make network namespaces and veth pairs (run as root, as CI does)';
  if (spawnSync('ip', ['-V']).status !== 0) return 'the fleet tests need iproute2 (`ip`)';
  return null;
}

export interface FleetHost {
  name: string;
  ns: string;
  /** The host's address (inside its namespace). */
  ip: string;
  /** The agent's address, as registered. */
  address: string;
  token: string;
  tokenFile: string;
  stateDir: string;
  agent: ChildProcess | null;
  /** Start (or restart) its agent and wait until it answers. */
  startAgent(): Promise<void>;
  /** Signal the agent (SIGKILL to crash it); resolves once it exited. */
  killAgent(signal?: NodeJS.Signals): Promise<void>;
  /** Cut the host's link (packets dropped, connections hang) / restore it. */
  cut(): void;
  restore(): void;
}

export interface NetnsHosts {
  hosts: FleetHost[];
  /** Kill every process in the namespaces and remove them and their links. */
  cleanup(): Promise<void>;
}

/**
 * `count` hosts named `<prefix>-1`…; `net` (1-250) picks the 10.<net>.x.x addresses and the
 * interface names, so test files running at once never share them.
 */
export async function createNetnsHosts(opts: { count: number; net: number; prefix?: string }): Promise<NetnsHosts> {
  const tag = `fd${opts.net}`;
  const dir = mkdtempSync(path.join(tmpdir(), `fd-fleet-${opts.net}-`));
  const hosts: FleetHost[] = [];
  const teardown = () => {
    for (let i = 1; i <= opts.count; i++) {
      const ns = `${tag}h${i}`;
      const pids = spawnSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
      for (const pid of pids) {
        try {
          process.kill(Number(pid), 'SIGKILL');
        } catch {
          /* gone */
        }
      }
      ip(['link', 'del', `${tag}v${i}`], { tolerate: true });
      ip(['netns', 'del', ns], { tolerate: true });
    }
  };
  teardown(); // what a crashed earlier run left behind
  for (let i = 1; i <= opts.count; i++) {
    const ns = `${tag}h${i}`;
    const outside = `${tag}v${i}`;
    const inside = `${tag}p${i}`;
    const hostIp = `10.${opts.net}.${i}.2`;
    ip(['netns', 'add', ns]);
    ip(['link', 'add', outside, 'type', 'veth', 'peer', 'name', inside]);
    ip(['link', 'set', inside, 'netns', ns]);
    ip(['addr', 'add', `10.${opts.net}.${i}.1/24`, 'dev', outside]);
    ip(['link', 'set', outside, 'up']);
    ip(['addr', 'add', `${hostIp}/24`, 'dev', inside], { ns });
    ip(['link', 'set', inside, 'up'], { ns });
    ip(['link', 'set', 'lo', 'up'], { ns });
    const stateDir = path.join(dir, `host-${i}`);
    const tokenFile = path.join(dir, `host-${i}.token`);
    const token = randomBytes(24).toString('base64url');
    writeFileSync(tokenFile, `${token}\n`, { mode: 0o600 });
    const h: FleetHost = {
      name: `${opts.prefix ?? 'host'}-${i}`,
      ns,
      ip: hostIp,
      address: `http://${hostIp}:${AGENT_PORT}`,
      token,
      tokenFile,
      stateDir,
      agent: null,
      async startAgent() {
        const out = openSync(path.join(dir, `host-${i}.log`), 'a');
        const child = spawn(
          'ip',
          ['netns', 'exec', ns, process.execPath, '--import', 'tsx', path.join(ROOT, 'lib/runtime/local/agent-main.ts'), '--listen', `${hostIp}:${AGENT_PORT}`, '--token-file', tokenFile, '--state-dir', stateDir],
          { cwd: ROOT, env: { ...process.env, FLIGHTDECK_BASE_DIR: ROOT }, stdio: ['ignore', out, out] },
        );
        h.agent = child;
        await until(
          `the agent of ${h.name} to answer`,
          async () => (await fetch(`${h.address}/health`, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(500) })).ok,
          { timeoutMs: 90_000, tolerateErrors: true }, // a busy machine compiles the agent's TypeScript slowly
        );
      },
      async killAgent(signal = 'SIGTERM') {
        const child = h.agent;
        if (!child || child.exitCode !== null || child.signalCode !== null) return;
        const exited = new Promise((r) => child.once('exit', r));
        child.kill(signal);
        await exited;
        h.agent = null;
      },
      cut() {
        ip(['link', 'set', inside, 'down'], { ns });
      },
      restore() {
        ip(['link', 'set', inside, 'up'], { ns });
      },
    };
    hosts.push(h);
  }
  const cleanup = async () => {
    teardown();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await Promise.all(hosts.map((h) => h.startAgent()));
  } catch (e) {
    await cleanup();
    throw e;
  }
  return { hosts, cleanup };
}
