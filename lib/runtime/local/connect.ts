/**
 * Find the runtime agent of a state folder, or start it. The agent is detached from the
 * control plane (its own session, output to agent.log), so it outlives a control-plane
 * restart; the next control plane re-attaches to it here. Even on one host the agent answers
 * only calls that present its token: a random one generated here on first start, kept in the
 * state folder readable by its owner alone.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readTokenFile } from '../agent-guard';
import { RemoteRuntime, RUNTIME_PROTOCOL } from '../rpc';

/** SIGTERM, then wait up to 10 s for the process to be gone. */
async function stopAgent(pid: number): Promise<void> {
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  const until = Date.now() + 10_000;
  while (Date.now() < until) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

export interface AgentInfo {
  pid: number;
  url: string;
  startedAt: string;
}

/**
 * How to run the agent. Compiled (npm start), this module is part of dist/server.js and the
 * agent is its sibling bundle dist/agent.js: plain Node. Run from source (tests, benchmarks,
 * development), the agent's TypeScript entry goes through tsx, a development dependency.
 */
function agentArgs(): string[] {
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith('.ts')) return ['--import', 'tsx', path.join(path.dirname(here), 'agent-main.ts')];
  return ['--enable-source-maps', path.join(path.dirname(here), 'agent.js')];
}

function readAgent(stateDir: string): AgentInfo | null {
  const file = path.join(stateDir, 'agent.json');
  if (!existsSync(file)) return null;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as AgentInfo;
  } catch {
    return null;
  }
}

/** The single-host agent's token: generated once, owner-readable only. */
export function agentToken(stateDir: string): { token: string; file: string } {
  const file = path.join(stateDir, 'agent.token');
  if (!existsSync(file)) writeFileSync(file, `${randomBytes(32).toString('base64url')}\n`, { mode: 0o600 });
  return { token: readTokenFile(file), file };
}

export async function connectLocalRuntime(opts: {
  stateDir: string;
  baseDir: string;
  log?: (m: string) => void;
  env?: Record<string, string>;
}): Promise<{ runtime: RemoteRuntime; agent: AgentInfo; started: boolean; token: string }> {
  mkdirSync(opts.stateDir, { recursive: true });
  const { token, file: tokenFile } = agentToken(opts.stateDir);
  const existing = readAgent(opts.stateDir);
  if (existing) {
    const rt = new RemoteRuntime(existing.url, null, { token });
    const answer = await rt.check();
    if (answer.status === 'ok' && answer.health.protocol === RUNTIME_PROTOCOL) {
      opts.log?.(`re-attached to the runtime agent (pid ${existing.pid}) at ${existing.url}`);
      return { runtime: rt, agent: existing, started: false, token };
    }
    if (answer.status === 'ok' || answer.status === 'unauthorized') {
      // Left running by a Flightdeck that spoke another protocol (or knew no token): it cannot be driven safely.
      const why = answer.status === 'ok' ? `speaks protocol ${answer.health.protocol ?? 1}, this Flightdeck ${RUNTIME_PROTOCOL}` : 'does not accept this state folder\'s token';
      opts.log?.(`the runtime agent (pid ${existing.pid}) ${why}: stopping it and starting a new one (its instances stop with it)`);
      rt.close();
      await stopAgent(answer.status === 'ok' ? answer.health.pid : existing.pid);
    }
  }
  const out = openSync(path.join(opts.stateDir, 'agent.log'), 'a');
  const child = spawn(process.execPath, [...agentArgs(), '--routers', '--listen', '127.0.0.1:0', '--token-file', tokenFile, '--state-dir', opts.stateDir], {
    cwd: opts.baseDir,
    detached: true,
    stdio: ['ignore', out, out],
    env: { ...process.env, ...opts.env, FLIGHTDECK_RUNTIME_DIR: opts.stateDir, FLIGHTDECK_BASE_DIR: opts.baseDir },
  });
  child.unref();
  const until = Date.now() + 20_000;
  while (Date.now() < until) {
    const info = readAgent(opts.stateDir);
    if (info && info.pid === child.pid) {
      const rt = new RemoteRuntime(info.url, null, { token });
      if (await rt.alive()) {
        opts.log?.(`started the runtime agent (pid ${info.pid}) at ${info.url}`);
        return { runtime: rt, agent: info, started: true, token };
      }
      rt.close();
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the runtime agent did not start; see ${path.join(opts.stateDir, 'agent.log')}`);
}
