/**
 * Serve any Runtime over HTTP (JSON calls) and a client for it. Lets several Flightdeck
 * processes drive one runtime — the crash-resume and race tests share a FakeRuntime this way.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { RuntimeFault, isRuntimeFault, type CrashRecord, type Runtime, type RuntimeExtras } from './types';

/**
 * Bumped whenever the calls change shape: a control plane finding an agent that speaks another
 * protocol (left running by an older Flightdeck) must not drive it.
 */
export const RUNTIME_PROTOCOL = 2;

const METHODS = ['scale', 'list', 'probe', 'setRoutes', 'getRoutes', 'traffic', 'latency', 'serviceAddress', 'logs', 'crashesAfter', 'kind'] as const;
type Method = (typeof METHODS)[number];

/** A scope names one environment's runtime inside an agent that serves several. */
const SCOPE = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

export async function serveRuntime(
  runtimes: (Runtime & RuntimeExtras) | ((scope: string | null) => Runtime & RuntimeExtras),
  opts: { port?: number } = {},
): Promise<{ url: string; close(): Promise<void> }> {
  const forScope = (scope: string | null) => {
    if (scope !== null && !SCOPE.test(scope)) throw new Error(`bad runtime scope ${JSON.stringify(scope)}`);
    return typeof runtimes === 'function' ? runtimes(scope) : runtimes;
  };
  const server = http.createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/health') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true, pid: process.pid, protocol: RUNTIME_PROTOCOL }));
      return;
    }
    if (req.method === 'GET' && req.url?.startsWith('/metrics')) {
      try {
        const scope = new URL(req.url, 'http://agent').searchParams.get('scope');
        res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(forScope(scope).prometheusText?.() ?? '');
      } catch (e) {
        res.writeHead(400, { 'content-type': 'text/plain' }).end((e as Error).message);
      }
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      try {
        const { method, args, scope } = JSON.parse(Buffer.concat(chunks).toString()) as { method: Method; args: unknown[]; scope?: string | null };
        const runtime = forScope(scope ?? null);
        const fn = (runtime as unknown as Record<string, unknown>)[method];
        if (!METHODS.includes(method)) throw new Error(`unknown runtime method ${method}`);
        const result = typeof fn === 'function' ? await (fn as (...a: unknown[]) => Promise<unknown>).apply(runtime, args) : fn;
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ result: result ?? null }));
      } catch (e) {
        const err = e as Error;
        const fault = isRuntimeFault(e) ? { kind: e.kind, details: e.details } : {};
        res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ error: err.message, name: err.name, ...fault }));
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

export type { RuntimeExtras } from './types';

export class RemoteRuntime implements Runtime, RuntimeExtras {
  readonly kind = 'local';
  /** `scope`: which environment's runtime of the agent this talks to (the agent's default when null). */
  constructor(
    private readonly url: string,
    private readonly scope: string | null = null,
  ) {}

  private async call<T>(method: Method, ...args: unknown[]): Promise<T> {
    const res = await fetch(this.url, { method: 'POST', body: JSON.stringify({ method, args, scope: this.scope }) });
    const body = (await res.json()) as { result?: T; error?: string; name?: string; kind?: RuntimeFault['kind']; details?: Record<string, unknown> };
    if (!res.ok) {
      if (body.name === 'RuntimeFault' && body.kind) throw new RuntimeFault(body.kind, body.error ?? `runtime call ${method} failed`, body.details ?? {});
      const e = new Error(body.error ?? `runtime call ${method} failed`);
      e.name = body.name ?? 'Error';
      throw e;
    }
    return body.result as T;
  }

  scale: Runtime['scale'] = (f, w, s, d) => this.call('scale', f, w, s, d);
  list: Runtime['list'] = (s) => this.call('list', s);
  probe: Runtime['probe'] = (i, p, t) => this.call('probe', i, p, t);
  setRoutes: Runtime['setRoutes'] = (f, t) => this.call('setRoutes', f, t);
  getRoutes: Runtime['getRoutes'] = (s) => this.call('getRoutes', s);
  traffic: Runtime['traffic'] = (s, a, b) => this.call('traffic', s, a, b);
  latency: NonNullable<Runtime['latency']> = (s, a, b) => this.call('latency', s, a, b);
  serviceAddress = (s: string) => this.call<string>('serviceAddress', s);
  logs = (i: string, lines?: number) => this.call<string[]>('logs', i, lines);
  crashesAfter = (after: number) => this.call<CrashRecord[]>('crashesAfter', after);
  /** The driver behind the agent ("local"). */
  remoteKind = () => this.call<string | null>('kind');

  /** The agent's Prometheus text (every service router's metrics). */
  async metricsText(): Promise<string> {
    const res = await fetch(`${this.url}/metrics${this.scope ? `?scope=${encodeURIComponent(this.scope)}` : ''}`, { signal: AbortSignal.timeout(5000) });
    return res.text();
  }

  /** True when the runtime answers (used to re-attach after a control-plane restart). */
  async alive(timeoutMs = 1000): Promise<boolean> {
    return (await this.health(timeoutMs)) !== null;
  }

  /** The agent's answer to /health (its pid and protocol), or null when it does not answer. */
  async health(timeoutMs = 1000): Promise<{ pid: number; protocol: number | null } | null> {
    try {
      const res = await fetch(`${this.url}/health`, { signal: AbortSignal.timeout(timeoutMs) });
      if (!res.ok) return null;
      const body = (await res.json()) as { pid?: number; protocol?: number };
      return { pid: body.pid ?? 0, protocol: body.protocol ?? null };
    } catch {
      return null;
    }
  }
}
