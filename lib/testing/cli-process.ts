/**
 * The CLI as CI runs it: `lib/cli/flightdeck.mjs` in a process of its own, with the
 * environment given (FLIGHTDECK_URL, FLIGHTDECK_TOKEN…) over this process's.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { ROOT } from './real-world';

export interface CliRun {
  code: number;
  out: string;
  err: string;
  seconds: number;
}

export function runCli(args: string[], env: Record<string, string>): Promise<CliRun> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'lib/cli/flightdeck.mjs'), ...args], { cwd: ROOT, env: { ...process.env, ...env } });
    let out = '';
    let err = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code: code ?? -1, out, err, seconds: (performance.now() - started) / 1000 }));
  });
}
