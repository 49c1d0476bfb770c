/**
 * Load from `hey` (Go, a process of its own, so it does not share the control plane's event
 * loop): a fixed rate until stopped, then its totals — every response by status and every
 * client-side error — so "0 failed requests" counts everything hey sent.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/** The `hey` binary; as root on Debian it is installed when missing. */
export function heyBinary(): string | null {
  const find = () => ['/usr/bin/hey', '/usr/local/bin/hey'].find((p) => existsSync(p)) ?? null;
  if (find() || process.getuid?.() !== 0 || !existsSync('/usr/bin/apt-get')) return find();
  const apt = (args: string[]) => spawnSync('apt-get', args, { stdio: 'ignore', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } }).status === 0;
  if (!apt(['install', '-y', 'hey']) && apt(['update'])) apt(['install', '-y', 'hey']);
  return find();
}

export interface HeyResult {
  requests: number;
  failed: number;
  /** status → responses */
  statuses: Record<string, number>;
  /** client-side error → count */
  errors: Record<string, number>;
  seconds: number;
  rps: number;
}

export function parseHeySummary(out: string): HeyResult {
  const statuses: Record<string, number> = {};
  const errors: Record<string, number> = {};
  const statusPart = out.split('Status code distribution:')[1]?.split('Error distribution:')[0] ?? '';
  for (const m of statusPart.matchAll(/\[(\d+)\]\s+(\d+) responses/g)) statuses[m[1]!] = Number(m[2]);
  const errorPart = out.split('Error distribution:')[1] ?? '';
  for (const m of errorPart.matchAll(/\[(\d+)\]\t(.+)/g)) errors[m[2]!.trim()] = (errors[m[2]!.trim()] ?? 0) + Number(m[1]);
  const ok = Object.entries(statuses).reduce((n, [s, c]) => n + (Number(s) >= 200 && Number(s) < 300 ? c : 0), 0);
  const responses = Object.values(statuses).reduce((a, b) => a + b, 0);
  const errs = Object.values(errors).reduce((a, b) => a + b, 0);
  const seconds = Number(/Total:\s+([\d.]+) secs/.exec(out)?.[1] ?? 0);
  const requests = responses + errs;
  return { requests, failed: requests - ok, statuses, errors, seconds, rps: seconds > 0 ? Math.round(requests / seconds) : 0 };
}

/** `rps` requests/s from `concurrency` workers to `url` until `stop()` (or `maxSeconds`). */
export function startHey(url: string, opts: { rps: number; concurrency?: number; maxSeconds?: number }) {
  const bin = heyBinary();
  if (!bin) throw new Error('needs the `hey` load generator (apt-get install hey)');
  const c = opts.concurrency ?? 20;
  const child = spawn(bin, ['-z', `${opts.maxSeconds ?? 120}s`, '-c', String(c), '-q', String(opts.rps / c), '-t', '40', url], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr!.on('data', (b: Buffer) => (out += b.toString()));
  const done = new Promise<HeyResult>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', () => resolve(parseHeySummary(out)));
  });
  return {
    done,
    /** Stop sending, let what is in flight finish, and return the totals. */
    async stop(): Promise<HeyResult> {
      if (child.exitCode === null) child.kill('SIGINT');
      return done;
    },
  };
}
