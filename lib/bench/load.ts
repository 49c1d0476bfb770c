/**
 * Open-loop HTTP load on loopback: requests are sent on a fixed schedule (rps), whether or
 * not earlier ones answered, so a stall shows up as latency and errors rather than as fewer
 * requests. Bounded by duration and count; stops by itself.
 */
import http from 'node:http';
import { performance } from 'node:perf_hooks';

export interface Shot {
  /** epoch ms sent */
  start: number;
  end: number;
  /** latency, sub-millisecond (performance.now) */
  ms: number;
  status: number;
  version: string | null;
  error?: string;
}

export function openLoad(url: string, opts: { rps: number; maxMs: number; path?: string; maxRequests?: number }) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 512 });
  const shots: Shot[] = [];
  const pending = new Set<Promise<void>>();
  const t0 = Date.now();
  const max = opts.maxRequests ?? Math.ceil((opts.rps * opts.maxMs) / 1000);
  let sent = 0;
  let stopped = false;
  const fire = () => {
    const start = Date.now();
    const h0 = performance.now();
    const p = new Promise<void>((resolve) => {
      const req = http.get(`${url}${opts.path ?? '/'}`, { agent, timeout: 10_000 }, (res) => {
        res.resume();
        res.on('end', () => {
          shots.push({ start, end: Date.now(), ms: performance.now() - h0, status: res.statusCode ?? 0, version: (res.headers['x-flightdeck-version'] as string) ?? null });
          resolve();
        });
      });
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', (e) => {
        shots.push({ start, end: Date.now(), ms: performance.now() - h0, status: 0, version: null, error: e.message });
        resolve();
      });
    });
    pending.add(p);
    void p.then(() => pending.delete(p));
  };
  const timer = setInterval(() => {
    const due = Math.min(max, Math.floor(((Date.now() - t0) * opts.rps) / 1000));
    while (!stopped && sent < due) {
      fire();
      sent++;
    }
    if (sent >= max || Date.now() - t0 >= opts.maxMs) stopped = true;
    if (stopped) clearInterval(timer);
  }, 2);
  return {
    shots,
    async stop(): Promise<Shot[]> {
      stopped = true;
      clearInterval(timer);
      await Promise.all([...pending]);
      agent.destroy();
      return shots;
    },
  };
}

export function summarize(shots: Shot[], from = -Infinity, to = Infinity) {
  const inWindow = shots.filter((s) => s.start >= from && s.start < to);
  const lat = inWindow.filter((s) => s.status > 0).map((s) => s.ms).sort((a, b) => a - b);
  const p = (q: number) => lat[Math.min(lat.length - 1, Math.floor(q * lat.length))] ?? 0;
  const span = inWindow.length ? (Math.max(...inWindow.map((s) => s.start)) - Math.min(...inWindow.map((s) => s.start))) / 1000 : 0;
  return {
    requests: inWindow.length,
    failed: inWindow.filter((s) => s.status < 200 || s.status >= 300).length,
    rps: span > 0 ? Math.round(inWindow.length / span) : 0,
    p50: Math.round(p(0.5) * 100) / 100,
    p99: Math.round(p(0.99) * 100) / 100,
  };
}
