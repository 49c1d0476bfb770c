/**
 * One instance's operating-system process: how it is started (command and arguments resolved
 * against the base folder, a small environment of its own plus PORT), its output kept as recent
 * lines, and how it is stopped (SIGTERM, then SIGKILL after a while).
 *
 * What a deployer registers runs with least privilege: as the unprivileged user of run-as.ts
 * (when Flightdeck runs as root), in a working folder of its own (its HOME too, removed when it
 * exits) unless the version names one, with no environment from Flightdeck but PATH.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { Workload } from '../types';
import { readableCopy, removeWorkFolder, runAs, workFolder } from '../run-as';

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
  let who: ReturnType<typeof runAs>;
  let folder: string;
  try {
    who = runAs();
    folder = workFolder(o.instanceId, who);
  } catch (e) {
    return { child: null, error: `could not prepare instance ${o.instanceId}: ${(e as Error).message}` };
  }
  const args = spec.args.map((a) => (a.startsWith('lib/') ? readableCopy(path.join(o.baseDir, a), who, folder) : a));
  const cwd = spec.cwd ? path.resolve(o.baseDir, spec.cwd) : folder;
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: folder,
    ...spec.env,
    FLIGHTDECK_INSTANCE: o.instanceId,
    FLIGHTDECK_SLOT: String(o.slot),
    PORT: String(o.port),
  };
  let child: ChildProcess;
  try {
    child = spawn(command, args, { cwd, env: env as NodeJS.ProcessEnv, stdio: ['ignore', 'pipe', 'pipe'], ...(who ? { uid: who.uid, gid: who.gid } : {}) });
  } catch (e) {
    removeWorkFolder(folder);
    return { child: null, error: `could not start ${command}: ${(e as Error).message}` };
  }
  child.once('close', () => removeWorkFolder(folder));
  child.once('error', () => removeWorkFolder(folder));
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
