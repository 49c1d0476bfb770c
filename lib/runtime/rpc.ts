/**
 * Serve any Runtime over HTTP (JSON calls) and a client for it. Lets several Flightdeck
 * processes drive one runtime — the crash-resume and race tests share a FakeRuntime this way.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Runtime } from './types';

const METHODS = ['start', 'list', 'probe', 'setRoutes', 'getRoutes', 'drainAndStop', 'traffic', 'latency', 'serviceAddress', 'logs', 'crashesAfter'] as const;
type Method = (typeof METHODS)[number];

/** What a runtime may offer beyond the Runtime interface (the local driver does). */
export interface RuntimeExtras {
  serviceAddress?(service: string): Promise<string>;
  logs?(instanceId: string, lines?: number): Promise<string[]>;
  crashesAfter?(afterSeq: number): Promise<unknown[]>;
  prometheusText?(): string;
  metricsText?(): Promise<string>;
}

export async function serveRuntime(
  runtime: Runtime & RuntimeExtras,
  opts: { port?: number } = {},
): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/health') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true, pid: process.pid }));
      return;
    }
    if (req.method === 'GET' && req.url === '/metrics') {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(runtime.prometheusText?.() ?? '');
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      try {
        const { method, args } = JSON.parse(Buffer.concat(chunks).toString()) as { method: Method; args: unknown[] };
        const fn = (runtime as unknown as Record<string, unknown>)[method];
        if (!METHODS.includes(method) || typeof fn !== 'function') throw new Error(`unknown runtime method ${method}`);
        const result = await (fn as (...a: unknown[]) => Promise<unknown>).apply(runtime, args);
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ result: result ?? null }));
      } catch (e) {
        const err = e as Error;
        res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ error: err.message, name: err.name }));
      }
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((r) => server.listen(opts.port ?? 0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

export class RemoteRuntime implements Runtime, RuntimeExtras {
  constructor(private readonly url: string) {}

  private async call<T>(method: Method, ...args: unknown[]): Promise<T> {
    const res = await fetch(this.url, { method: 'POST', body: JSON.stringify({ method, args }) });
    const body = (await res.json()) as { result?: T; error?: string; name?: string };
    if (!res.ok) {
      const e = new Error(body.error ?? `runtime call ${method} failed`);
      e.name = body.name ?? 'Error';
      throw e;
    }
    return body.result as T;
  }

  start: Runtime['start'] = (f, s) => this.call('start', f, s);
  list: Runtime['list'] = (s) => this.call('list', s);
  probe: Runtime['probe'] = (i, p, t) => this.call('probe', i, p, t);
  setRoutes: Runtime['setRoutes'] = (f, t) => this.call('setRoutes', f, t);
  getRoutes: Runtime['getRoutes'] = (s) => this.call('getRoutes', s);
  drainAndStop: Runtime['drainAndStop'] = (f, i, d) => this.call('drainAndStop', f, i, d);
  traffic: Runtime['traffic'] = (s, a, b) => this.call('traffic', s, a, b);
  latency: NonNullable<Runtime['latency']> = (s, a, b) => this.call('latency', s, a, b);
  serviceAddress = (s: string) => this.call<string>('serviceAddress', s);
  logs = (i: string, lines?: number) => this.call<string[]>('logs', i, lines);
  crashesAfter = (after: number) => this.call<unknown[]>('crashesAfter', after);

  /** The agent's Prometheus text (every service router's metrics). */
  async metricsText(): Promise<string> {
    const res = await fetch(`${this.url}/metrics`, { signal: AbortSignal.timeout(5000) });
    return res.text();
  }

  /** True when the runtime answers (used to re-attach after a control-plane restart). */
  async alive(timeoutMs = 1000): Promise<boolean> {
    try {
      const res = await fetch(`${this.url}/health`, { signal: AbortSignal.timeout(timeoutMs) });
      return res.ok;
    } catch {
      return false;
    }
  }
}
