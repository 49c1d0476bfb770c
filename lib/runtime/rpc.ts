/**
 * Serve any Runtime over HTTP (JSON calls) and a client for it. Lets several Flightdeck
 * processes drive one runtime — the crash-resume and race tests share a FakeRuntime this way.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Runtime } from './types';

const METHODS = ['start', 'list', 'probe', 'setRoutes', 'getRoutes', 'drainAndStop', 'traffic'] as const;
type Method = (typeof METHODS)[number];

export async function serveRuntime(runtime: Runtime): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      try {
        const { method, args } = JSON.parse(Buffer.concat(chunks).toString()) as { method: Method; args: unknown[] };
        if (!METHODS.includes(method)) throw new Error(`unknown runtime method ${method}`);
        const fn = runtime[method] as (...a: unknown[]) => Promise<unknown>;
        const result = await fn.apply(runtime, args);
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ result: result ?? null }));
      } catch (e) {
        const err = e as Error;
        res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ error: err.message, name: err.name }));
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

export class RemoteRuntime implements Runtime {
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
}
