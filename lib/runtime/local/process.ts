/**
 * One instance's operating-system process: how it is started (command, arguments and working
 * directory resolved against the base folder, a small environment of its own plus PORT), its
 * output kept as recent lines, and how it is stopped (SIGTERM, then SIGKILL after a while).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { Workload } from '../types';

const LOG_LINES = 200;

export interface Launched {
  child: ChildProcess | null;
  /** Why it could not even start (the command does not exist…), when it could not. */
  error?: string;
}

/**
 * Start the process. `logs` receives its output lines (stderr lines start with "! ");
 * `onExit` is called once, with the exit code and the last error line or the signal.
 */
export function launch(o: {
  workload: Workload;
  baseDir: string;
  port: number;
  instanceId: string;
  slot: number;
  logs: string[];
  onExit: (code: number | null, reason: string) => void;
}): Launched {
  const { workload: spec } = o;
  const command = spec.command === 'node' ? process.execPath : spec.command;
  const args = spec.args.map((a) => (a.startsWith('lib/') ? path.join(o.baseDir, a) : a));
  const cwd = spec.cwd ? path.resolve(o.baseDir, spec.cwd) : o.baseDir;
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? '/tmp',
    ...spec.env,
    FLIGHTDECK_INSTANCE: o.instanceId,
    FLIGHTDECK_SLOT: String(o.slot),
    PORT: String(o.port),
  };
  let child: ChildProcess;
  try {
    child = spawn(command, args, { cwd, env: env as NodeJS.ProcessEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    return { child: null, error: `could not start ${command}: ${(e as Error).message}` };
  }
  const capture = (stream: 'out' | 'err') => (b: Buffer) => {
    for (const line of b.toString().split('\n')) {
      if (!line) continue;
      o.logs.push(`${stream === 'err' ? '! ' : ''}${line}`);
      if (o.logs.length > LOG_LINES) o.logs.splice(0, o.logs.length - LOG_LINES);
    }
  };
  child.stdout!.on('data', capture('out'));
  child.stderr!.on('data', capture('err'));
  child.on('error', (e) => o.onExit(null, `could not start ${command}: ${e.message}`));
  child.on('exit', (code, signal) => {
    const lastErr = [...o.logs].reverse().find((l) => l.startsWith('! '))?.slice(2);
    o.onExit(code, lastErr ?? (signal ? `killed by ${signal}` : `exited with code ${code}`));
  });
  return { child };
}

/** SIGTERM, and SIGKILL if it is still there after `killAfterMs`; resolves once it exited. */
export function terminate(child: ChildProcess, killAfterMs: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
