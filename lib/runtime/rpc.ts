/**
 * Serve any Runtime over HTTP(S) (JSON calls) and a client for it: how the control plane
 * drives a runtime agent — the single-host agent it starts itself, or the agent on each host
 * of a fleet. Tests also share one FakeRuntime between several Flightdeck processes this way.
 *
 * Every call of an agent is authenticated (a bearer token only the agent and the control plane
 * know, compared in constant time; TLS when the agent has a certificate) and has a deadline:
 * the caller says how long it will wait (x-flightdeck-budget-ms) and gives up after that, and
 * the agent answers 504 rather than keep a caller waiting past it. Mutating calls carry a
 * fencing token checked against the highest the agent has seen for that service — kept on disk,
 * so a restarted agent still refuses a stale worker — before anything is touched. Refusals and
 * changes go to the agent's audit trail.
 */
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { AgentAudit, bearerToken, FenceBook, tokenChecker } from './agent-guard';
import { RuntimeFault, StaleFenceError, isRuntimeFault, type CrashRecord, type Fence, type Runtime, type RuntimeExtras } from './types';

/**
 * Bumped whenever the calls change shape: a control plane finding an agent that speaks another
 * protocol (left running by an older Flightdeck) must not drive it.
 */
export const RUNTIME_PROTOCOL = 3;

const METHODS = ['scale', 'list', 'probe', 'setRoutes', 'getRoutes', 'traffic', 'latency', 'serviceAddress', 'logs', 'crashesAfter', 'kind', 'reconcile'] as const;
type Method = (typeof METHODS)[number];
/** Calls that change instances or traffic: their first argument is a fence. */
const MUTATING = new Set<Method>(['scale', 'setRoutes', 'reconcile']);

/** A scope names one environment's runtime inside an agent that serves several. */
const SCOPE = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const MAX_BODY = 4 * 1024 * 1024;
const DEFAULT_BUDGET_MS = 30_000;

export interface ServeOptions {
  /** Address to listen on (default 127.0.0.1). */
  host?: string;
  port?: number;
  /** The bearer token every call must present. Absent: no authentication (tests on loopback only). */
  token?: string;
  /** PEM certificate and key: serve HTTPS. */
  tls?: { cert: string | Buffer; key: string | Buffer };
  /** Where the fence book (fences.json) and the audit trail (audit.log) live; in memory only when absent. */
  stateDir?: string;
  /** More to say in /health (capacity, role). */
  info?: () => Record<string, unknown>;
  log?: (m: string) => void;
}

class Refusal extends Error {
  constructor(
    readonly status: number,
    readonly outcome: string,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export async function serveRuntime(
  runtimes: (Runtime & RuntimeExtras) | ((scope: string | null) => Runtime & RuntimeExtras),
  opts: ServeOptions = {},
): Promise<{ url: string; close(): Promise<void> }> {
  const host = opts.host ?? '127.0.0.1';
  if (opts.token === undefined && !['127.0.0.1', '::1', 'localhost'].includes(host)) throw new Error(`an agent listening on ${host} needs a token`);
  const authorized = opts.token === undefined ? () => true : tokenChecker(opts.token);
  const fences = new FenceBook(opts.stateDir ? path.join(opts.stateDir, 'fences.json') : null);
  const audit = new AgentAudit(opts.stateDir ? path.join(opts.stateDir, 'audit.log') : null, opts.log);
  const forScope = (scope: string | null) => {
    if (scope !== null && !SCOPE.test(scope)) throw new Refusal(400, 'error', `bad runtime scope ${JSON.stringify(scope)}`);
    return typeof runtimes === 'function' ? runtimes(scope) : runtimes;
  };
  const send = (res: http.ServerResponse, status: number, body: unknown) =>
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));

  const onRequest = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const from = req.socket.remoteAddress ?? '?';
    if (!authorized(bearerToken(req.headers.authorization))) {
      const what = `${req.method} ${req.url}`;
      audit.write({ from, method: what, scope: null, outcome: 'unauthenticated', detail: req.headers.authorization ? 'wrong token' : 'no token' });
      send(res, 401, { error: 'the runtime agent refused the call: missing or wrong token', name: 'Unauthorized' });
      req.resume();
      return;
    }
    if (req.method === 'GET' && req.url === '/health') {
      send(res, 200, { ok: true, pid: process.pid, protocol: RUNTIME_PROTOCOL, ...opts.info?.() });
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
    const budget = Number(req.headers['x-flightdeck-budget-ms'] ?? DEFAULT_BUDGET_MS);
    const deadline = Date.now() + (Number.isFinite(budget) && budget > 0 ? budget : DEFAULT_BUDGET_MS);
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= MAX_BODY) chunks.push(c);
    });
    req.on('end', async () => {
      let method = '?';
      let scope: string | null = null;
      let service: string | undefined;
      try {
        if (size > MAX_BODY) throw new Refusal(413, 'error', `call body over ${MAX_BODY} bytes`);
        const call = JSON.parse(Buffer.concat(chunks).toString()) as { method: Method; args: unknown[]; scope?: string | null };
        method = String(call.method);
        scope = call.scope ?? null;
        if (!METHODS.includes(call.method)) throw new Refusal(400, 'error', `unknown runtime method ${method}`);
        const runtime = forScope(scope);
        const args = Array.isArray(call.args) ? call.args : [];
        if (MUTATING.has(call.method)) {
          const fence = args[0] as Fence | undefined;
          if (!fence || typeof fence.service !== 'string' || typeof fence.token !== 'number') throw new Refusal(400, 'error', `${method} needs a fence {service, token}`);
          service = fence.service;
          const ok = fences.check(scope, fence);
          if (!ok.ok) throw new Refusal(409, 'stale_fence', new StaleFenceError(fence, ok.current).message, { name: 'StaleFenceError', current: ok.current });
        }
        const fn = (runtime as unknown as Record<string, unknown>)[call.method];
        const work = typeof fn === 'function' ? (fn as (...a: unknown[]) => Promise<unknown>).apply(runtime, args) : Promise.resolve(fn);
        const result = await Promise.race([work, timeAfter(deadline - Date.now())]);
        if (result === DEADLINE) throw new Refusal(504, 'deadline', `${method} did not finish within the caller's deadline`);
        if (MUTATING.has(call.method)) audit.write({ from, method, scope, service, outcome: 'ok' });
        send(res, 200, { result: result ?? null });
      } catch (e) {
        if (e instanceof Refusal) {
          audit.write({ from, method, scope, service, outcome: e.outcome, detail: e.message });
          send(res, e.status, { error: e.message, name: e.extra.name ?? 'Error', ...e.extra });
          return;
        }
        const err = e as Error;
        if (MUTATING.has(method as Method)) audit.write({ from, method, scope, service, outcome: 'error', detail: err.message });
        const fault = isRuntimeFault(e) ? { kind: e.kind, details: e.details } : {};
        send(res, 500, { error: err.message, name: err.name, ...fault });
      }
    });
  };
  const server = opts.tls ? https.createServer({ cert: opts.tls.cert, key: opts.tls.key }, onRequest) : http.createServer(onRequest);
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const shown = host.includes(':') ? `[${host}]` : host;
  return {
    url: `${opts.tls ? 'https' : 'http'}://${shown}:${port}`,
    close: () =>
      new Promise((r) => {
        server.closeAllConnections?.();
        server.close(() => r());
      }),
  };
}

const DEADLINE = Symbol('deadline');
function timeAfter(ms: number): Promise<typeof DEADLINE> {
  return new Promise((r) => setTimeout(() => r(DEADLINE), Math.max(0, ms)).unref());
}

export type { RuntimeExtras } from './types';

export interface AgentCredentials {
  /** The agent's bearer token. */
  token?: string;
  /** PEM CA (or the agent's self-signed certificate) to trust for an https agent. */
  ca?: string;
}

type Body = { result?: unknown; error?: string; name?: string; kind?: RuntimeFault['kind']; details?: Record<string, unknown>; current?: number };

/** How long a caller waits for each call (ms): a probe and a scale say their own. */
function budgetOf(method: Method, args: unknown[]): number {
  if (method === 'probe') return Number(args[2] ?? 1000) + 2000;
  if (method === 'scale') return Number(args[3] ?? 0) + 30_000;
  if (method === 'reconcile') return 30_000;
  return 10_000;
}

export class RemoteRuntime implements Runtime, RuntimeExtras {
  readonly kind: string = 'local';
  private readonly agent: http.Agent;

  /** `scope`: which environment's runtime of the agent this talks to (the agent's default when null). */
  constructor(
    readonly url: string,
    private readonly scope: string | null = null,
    private readonly credentials: AgentCredentials = {},
  ) {
    this.agent = url.startsWith('https:') ? new https.Agent({ keepAlive: true, ca: credentials.ca }) : new http.Agent({ keepAlive: true });
  }

  /** One HTTP exchange with the agent, given up after `budgetMs`. */
  private request(method: 'GET' | 'POST', urlPath: string, budgetMs: number, body?: string): Promise<{ status: number; text: string }> {
    const u = new URL(urlPath, this.url);
    const lib = u.protocol === 'https:' ? https : http;
    return new Promise((resolve, reject) => {
      const req = lib.request(
        u,
        {
          method,
          agent: this.agent,
          headers: {
            ...(this.credentials.token ? { authorization: `Bearer ${this.credentials.token}` } : {}),
            'x-flightdeck-budget-ms': String(budgetMs),
            ...(body ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } : {}),
          },
          timeout: budgetMs,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`no answer within ${budgetMs} ms`)));
      req.on('error', reject);
      req.end(body);
    });
  }

  private async call<T>(method: Method, ...args: unknown[]): Promise<T> {
    let res: { status: number; text: string };
    try {
      res = await this.request('POST', '/', budgetOf(method, args), JSON.stringify({ method, args, scope: this.scope }));
    } catch (e) {
      throw new RuntimeFault('unreachable', `the runtime agent at ${this.url} did not answer ${method}: ${(e as Error).message}`, { agent: this.url });
    }
    let body: Body;
    try {
      body = JSON.parse(res.text) as Body;
    } catch {
      throw new RuntimeFault('internal', `the runtime agent at ${this.url} answered ${method} with HTTP ${res.status} and no JSON`, { agent: this.url });
    }
    if (res.status === 200) return body.result as T;
    if (res.status === 401) throw new RuntimeFault('unauthorized', `the runtime agent at ${this.url} refused Flightdeck's token`, { agent: this.url });
    if (res.status === 504) throw new RuntimeFault('unreachable', `the runtime agent at ${this.url}: ${body.error ?? 'deadline exceeded'}`, { agent: this.url });
    if (body.name === 'StaleFenceError') {
      const e = new Error(body.error ?? 'stale fencing token');
      e.name = 'StaleFenceError';
      throw e;
    }
    if (body.name === 'RuntimeFault' && body.kind) throw new RuntimeFault(body.kind, body.error ?? `runtime call ${method} failed`, body.details ?? {});
    const e = new Error(body.error ?? `runtime call ${method} failed`);
    e.name = body.name ?? 'Error';
    throw e;
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
  /** Stop every instance of `service` but those kept (a fleet host's reconciliation). */
  reconcile = (f: Fence, service: string, keep: Array<{ versionId: string; slot: number }>) => this.call<string[]>('reconcile', f, service, keep);
  /** The driver behind the agent ("local", "fleet-host"). */
  remoteKind = () => this.call<string | null>('kind');

  /** The agent's Prometheus text (every service router's metrics). */
  async metricsText(): Promise<string> {
    const res = await this.request('GET', `/metrics${this.scope ? `?scope=${encodeURIComponent(this.scope)}` : ''}`, 5000);
    return res.status === 200 ? res.text : '';
  }

  /** True when the runtime answers (used to re-attach after a control-plane restart). */
  async alive(timeoutMs = 1000): Promise<boolean> {
    return (await this.health(timeoutMs)) !== null;
  }

  /** The agent's answer to /health (its pid, protocol and capacity), or null when it does not answer it. */
  async health(timeoutMs = 1000): Promise<({ pid: number; protocol: number | null } & Record<string, unknown>) | null> {
    const r = await this.check(timeoutMs);
    return r.status === 'ok' ? r.health : null;
  }

  /** /health, telling a silent agent from one that refuses the token. */
  async check(
    timeoutMs = 1000,
  ): Promise<{ status: 'ok'; health: { pid: number; protocol: number | null } & Record<string, unknown> } | { status: 'unauthorized' | 'unreachable'; error: string }> {
    try {
      const res = await this.request('GET', '/health', timeoutMs);
      if (res.status === 401) return { status: 'unauthorized', error: 'the agent refused the token' };
      if (res.status !== 200) return { status: 'unreachable', error: `HTTP ${res.status}` };
      const body = JSON.parse(res.text) as { pid?: number; protocol?: number } & Record<string, unknown>;
      return { status: 'ok', health: { ...body, pid: body.pid ?? 0, protocol: body.protocol ?? null } };
    } catch (e) {
      return { status: 'unreachable', error: (e as Error).message };
    }
  }

  /** Drop kept-alive connections (a host marked unreachable must not keep sockets around). */
  close(): void {
    this.agent.destroy();
  }
}
