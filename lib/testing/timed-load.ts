/**
 * Open-loop load with every request's times, in a process of its own: for the host-loss
 * measurements, which must tell the requests that failed before a host was declared lost from
 * those after — client-side errors included (a cut connection answers nothing at all), which
 * a generator's summary cannot place in time.
 *
 *   const load = startTimedLoad(url, { rps: 500 });  …  const shots = await load.stop();
 *
 * Run as a script (`node --import tsx timed-load.ts URL RPS MAXMS`), it sends until SIGTERM or
 * MAXMS, then prints the shots as one JSON array.
 */
import { spawn } from 'node:child_process';
import http from 'node:http';
import { fileURLToPath } from 'node:url';

export interface TimedShot {
  /** epoch ms sent */
  start: number;
  end: number;
  status: number;
  error?: string;
}

export function startTimedLoad(url: string, opts: { rps: number; maxMs?: number }) {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), url, String(opts.rps), String(opts.maxMs ?? 120_000)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  const done = new Promise<TimedShot[]>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', () => {
      try {
        resolve(JSON.parse(out) as TimedShot[]);
      } catch {
        reject(new Error(`the load process printed no results (${out.slice(0, 200)})`));
      }
    });
  });
  return {
    async stop(): Promise<TimedShot[]> {
      if (child.exitCode === null) child.kill('SIGTERM');
      return done;
    },
  };
}

function run(url: string, rps: number, maxMs: number) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  const shots: TimedShot[] = [];
  const pending = new Set<Promise<void>>();
  const t0 = Date.now();
  let sent = 0;
  let stopped = false;
  const fire = () => {
    const start = Date.now();
    const p = new Promise<void>((resolve) => {
      const req = http.get(url, { agent, timeout: 30_000 }, (res) => {
        res.resume();
        res.on('end', () => {
          shots.push({ start, end: Date.now(), status: res.statusCode ?? 0 });
          resolve();
        });
        res.on('error', (e) => {
          shots.push({ start, end: Date.now(), status: 0, error: e.message });
          resolve();
        });
      });
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', (e) => {
        shots.push({ start, end: Date.now(), status: 0, error: e.message });
        resolve();
      });
    });
    pending.add(p);
    void p.then(() => pending.delete(p));
  };
  const timer = setInterval(() => {
    const due = Math.floor(((Date.now() - t0) * rps) / 1000);
    while (!stopped && sent < due) {
      fire();
      sent++;
    }
    if (Date.now() - t0 >= maxMs) void finish();
  }, 2);
  const finish = async () => {
    if (stopped) return;
    stopped = true;
    clearInterval(timer);
    await Promise.all([...pending]);
    agent.destroy();
    // A pipe is written asynchronously: exit only once all of it is out.
    process.stdout.write(JSON.stringify(shots), () => process.exit(0));
  };
  process.on('SIGTERM', () => void finish());
}

if (process.argv[1] === fileURLToPath(import.meta.url)) run(process.argv[2]!, Number(process.argv[3]), Number(process.argv[4]));
