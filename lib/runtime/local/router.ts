/**
 * ServiceRouter: one stable HTTP address per service in front of local instances
 * (processes listening on 127.0.0.1:<port>), a lean reverse proxy on node:http.
 *
 * Routing: `setTable` replaces one immutable table object in a single assignment. Each
 * request reads `this.table` exactly once, when it starts, and picks its backend from that
 * object (weighted random), so after `setTable` returns no new request reaches a backend
 * missing from the new table, and a request that started before keeps the backend it got.
 *
 * In-flight requests are counted per instance id (across tables) until the response to the
 * client is finished or the exchange is torn down; `drain` waits for those counts to reach 0.
 *
 * Every completed request is recorded in RouterMetrics under its version id with its status
 * and latency (client aborts before a response as 499; no backend as 503 under
 * UNROUTED_VERSION; backend connection failures as 502 under the backend's version).
 *
 * HTTP upgrades (WebSocket) are not proxied.
 */
import http from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import {
  RouterMetrics,
  UNROUTED_VERSION,
  type LatencySummary,
  type VersionSeries,
  type VersionTrafficCounts,
} from './metrics';

export interface RouterBackend {
  instanceId: string;
  versionId: string;
  /** http://127.0.0.1:PORT */
  url: string;
  /** Relative weight; 0 or absent = out of rotation. */
  weight?: number;
}

export interface ServiceRouterOptions {
  service: string;
  /** 0 (default) = any free port */
  port?: number;
  /** default 127.0.0.1 */
  host?: string;
  /** epoch ms, for metric buckets; default Date.now */
  now?: () => number;
  /** Max concurrent sockets per backend (default 512). */
  maxSocketsPerBackend?: number;
  /** When set, every proxied response carries this header with the version id that served it. */
  versionHeader?: string;
}

/** One row of the table in force, as reported by `routes()`. */
export interface RouteInfo {
  instanceId: string;
  versionId: string;
  url: string;
  weight: number;
}

/** Per instance id, shared by every table the instance appears in. */
interface InstanceState {
  readonly instanceId: string;
  inFlight: number;
  /** generation of the last table that had this instance in rotation */
  gen: number;
  /** drain waiters to poke when inFlight reaches 0 */
  waiters: Set<() => void> | null;
}

interface Route {
  readonly instanceId: string;
  readonly versionId: string;
  readonly url: string;
  readonly hostname: string;
  readonly port: number;
  readonly weight: number;
  readonly state: InstanceState;
  readonly series: VersionSeries;
}

interface Table {
  readonly gen: number;
  readonly routes: readonly Route[];
  /** cumulative weights, parallel to routes */
  readonly cumulative: Float64Array;
  readonly total: number;
}

// RFC 9110 §7.6.1 hop-by-hop headers (lowercase). transfer-encoding is re-applied by node:http.
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

const NO_BODY_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'DELETE', 'TRACE']);

const STATUS_CLIENT_CLOSED = 499;

function pick(table: Table): Route | undefined {
  const routes = table.routes;
  const n = routes.length;
  if (n === 1) return routes[0];
  if (n === 0) return undefined;
  const r = Math.random() * table.total;
  const cum = table.cumulative;
  for (let i = 0; i < n - 1; i++) {
    if (r < cum[i]!) return routes[i];
  }
  return routes[n - 1];
}

/** Lowercase names listed in a Connection header value (besides close/keep-alive), or null. */
function connectionTokens(value: string, into: Set<string> | null): Set<string> | null {
  if (value === 'keep-alive' || value === 'close') return into; // the usual case
  for (const token of value.split(',')) {
    const t = token.trim().toLowerCase();
    if (t !== '' && t !== 'close' && t !== 'keep-alive') (into ??= new Set()).add(t);
  }
  return into;
}

/** Drop from a flat header list the names a Connection header declared hop-by-hop (rare). */
function dropNamed(out: string[], names: Set<string>): string[] {
  const kept: string[] = [];
  for (let i = 0; i < out.length; i += 2) {
    if (!names.has(out[i]!.toLowerCase())) kept.push(out[i]!, out[i + 1]!);
  }
  return kept;
}

/**
 * Headers to send to the backend, as a flat raw list: hop-by-hop ones dropped (and any named
 * in Connection), X-Forwarded-For/-Host/-Proto added, body framing preserved. One pass.
 */
function requestHeaders(req: IncomingMessage): { headers: string[]; hasBody: boolean } {
  const raw = req.rawHeaders;
  let out: string[] = [];
  let extraHop: Set<string> | null = null;
  let host: string | undefined;
  let xffIdx = -1;
  let hasXfh = false;
  let hasXfp = false;
  let chunked = false;
  let contentLength: string | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    const value = raw[i + 1]!;
    const lower = name.toLowerCase();
    if (HOP_BY_HOP.has(lower)) {
      if (lower === 'transfer-encoding') chunked = true;
      else if (lower === 'connection') extraHop = connectionTokens(value, extraHop);
      continue;
    }
    switch (lower) {
      case 'host':
        host = value;
        break;
      case 'content-length':
        contentLength = value;
        break;
      case 'x-forwarded-for':
        if (xffIdx >= 0) {
          // fold repeated X-Forwarded-For lines into one list
          out[xffIdx + 1] = `${out[xffIdx + 1]}, ${value}`;
          continue;
        }
        xffIdx = out.length;
        break;
      case 'x-forwarded-host':
        hasXfh = true;
        break;
      case 'x-forwarded-proto':
        hasXfp = true;
        break;
      case 'x-request-start':
        // Ours alone: set when the routing decision is made (see handle()).
        continue;
      case 'expect':
        // node:http already answered "100 Continue" to the client; the body follows at once.
        continue;
    }
    out.push(name, value);
  }
  const clientIp = req.socket.remoteAddress ?? '';
  if (xffIdx >= 0) out[xffIdx + 1] = `${out[xffIdx + 1]}, ${clientIp}`;
  else out.push('X-Forwarded-For', clientIp);
  if (!hasXfh && host !== undefined) out.push('X-Forwarded-Host', host);
  if (!hasXfp) out.push('X-Forwarded-Proto', 'http');
  if (extraHop !== null) {
    // Never let a client strip what we add or what frames the body.
    for (const keep of ['x-forwarded-for', 'x-forwarded-host', 'x-forwarded-proto', 'host', 'content-length']) {
      extraHop.delete(keep);
    }
    out = dropNamed(out, extraHop);
  }

  let hasBody: boolean;
  if (chunked) {
    // Any transfer-coding from the client was decoded by node:http; re-frame as chunked.
    // (RFC 9112 §6.3: Transfer-Encoding overrides Content-Length; node refuses both anyway.)
    hasBody = true;
    if (contentLength !== undefined) out = dropNamed(out, new Set(['content-length']));
    out.push('Transfer-Encoding', 'chunked');
  } else {
    hasBody = contentLength !== undefined && contentLength !== '0';
    if (contentLength === undefined && !NO_BODY_METHODS.has(req.method ?? 'GET')) {
      // An empty POST/PUT: say so, or node:http would frame it as chunked.
      out.push('Content-Length', '0');
    }
  }
  return { headers: out, hasBody };
}

/** Backend response headers minus hop-by-hop ones (node:http re-frames the body). */
function responseHeaders(raw: string[]): string[] {
  let extraHop: Set<string> | null = null;
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    const lower = name.toLowerCase();
    if (HOP_BY_HOP.has(lower)) {
      if (lower === 'connection') extraHop = connectionTokens(raw[i + 1]!, extraHop);
      continue;
    }
    out.push(name, raw[i + 1]!);
  }
  if (extraHop !== null) {
    extraHop.delete('content-length');
    return dropNamed(out, extraHop);
  }
  return out;
}

const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';
const BAD_GATEWAY_BODY = '{"error":"bad gateway"}';
const BAD_GATEWAY_HEADERS = ['Content-Type', JSON_CONTENT_TYPE, 'Content-Length', String(BAD_GATEWAY_BODY.length)];

/** What an exchange needs from its router; kept apart so the router's API stays small. */
interface ProxyContext {
  readonly agent: http.Agent;
  readonly versionHeader: string | undefined;
  finish(route: Route, status: number, t0: number): void;
}

export class ServiceRouter {
  readonly service: string;
  readonly metrics: RouterMetrics;
  private readonly host: string;
  private readonly requestedPort: number;
  private readonly now: () => number;
  private readonly server: http.Server;
  private readonly agent: http.Agent;
  private readonly ctx: ProxyContext;
  private readonly states = new Map<string, InstanceState>();
  private readonly unrouted: VersionSeries;
  private readonly noBackendBody: string;
  private readonly noBackendHeaders: string[];
  private table: Table;
  private gen = 0;
  private boundPort = 0;
  private totalInFlight = 0;
  private closing = false;
  private readonly idleWaiters = new Set<() => void>();

  constructor(opts: ServiceRouterOptions) {
    this.service = opts.service;
    this.host = opts.host ?? '127.0.0.1';
    this.requestedPort = opts.port ?? 0;
    this.now = opts.now ?? Date.now;
    this.metrics = new RouterMetrics({ now: this.now });
    this.unrouted = this.metrics.seriesFor(UNROUTED_VERSION);
    this.noBackendBody = JSON.stringify({ error: `no ready instance for ${this.service}` });
    this.noBackendHeaders = [
      'Content-Type',
      JSON_CONTENT_TYPE,
      'Content-Length',
      String(Buffer.byteLength(this.noBackendBody)),
      'Cache-Control',
      'no-store',
    ];
    this.table = Object.freeze({ gen: 0, routes: Object.freeze([]), cumulative: new Float64Array(0), total: 0 });
    this.agent = new http.Agent({
      keepAlive: true,
      keepAliveMsecs: 1000,
      maxSockets: opts.maxSocketsPerBackend ?? 512,
      maxFreeSockets: 256,
      scheduling: 'lifo',
      // Idle backend sockets close after 30 s, or earlier when the backend's
      // "Keep-Alive: timeout=N" hint says so (node honours hints below this value).
      timeout: 30_000,
      // net.connect option, forwarded by the agent: no Nagle delay on small writes.
      noDelay: true,
    } as http.AgentOptions);
    this.ctx = {
      agent: this.agent,
      versionHeader: opts.versionHeader,
      finish: (route, status, t0) => this.finishExchange(route, status, t0),
    };
    this.server = http.createServer({ noDelay: true }, this.handle);
    // Longer than typical client pools' idle timeouts, so the client closes first.
    this.server.keepAliveTimeout = 65_000;
    this.server.headersTimeout = 66_000;
    this.server.on('clientError', onClientError);
  }

  /** The bound port (0 before listen). */
  get port(): number {
    return this.boundPort;
  }

  /** http://host:port of the router once listening. */
  get url(): string {
    return `http://${this.host.includes(':') ? `[${this.host}]` : this.host}:${this.boundPort}`;
  }

  listen(): Promise<{ port: number }> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error) => reject(err);
      this.server.once('error', onError);
      this.server.listen(this.requestedPort, this.host, () => {
        this.server.off('error', onError);
        this.boundPort = (this.server.address() as AddressInfo).port;
        resolve({ port: this.boundPort });
      });
    });
  }

  /**
   * Stop accepting connections, let in-flight requests finish (up to graceMs), then close
   * every connection and the backend pool.
   */
  async close(graceMs = 5000): Promise<void> {
    this.closing = true;
    const closed = this.server.listening
      ? new Promise<void>((resolve) => this.server.close(() => resolve()))
      : Promise.resolve();
    this.server.closeIdleConnections();
    if (this.totalInFlight > 0) {
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          this.idleWaiters.delete(done);
          resolve();
        };
        const timer = setTimeout(done, graceMs);
        this.idleWaiters.add(done);
      });
    }
    this.server.closeAllConnections();
    await closed;
    this.agent.destroy();
  }

  /**
   * Replace the routing table in one atomic swap. Validates everything first, so on error
   * the current table stays in force. Backends with weight 0 (or none) are out of rotation.
   */
  setTable(backends: ReadonlyArray<RouterBackend>): void {
    const seen = new Set<string>();
    const parsed: Array<{ b: RouterBackend; hostname: string; port: number; weight: number }> = [];
    for (const b of backends) {
      if (seen.has(b.instanceId)) throw new Error(`duplicate instance ${b.instanceId} in routing table`);
      seen.add(b.instanceId);
      const weight = b.weight ?? 0;
      if (!Number.isFinite(weight) || weight < 0) {
        throw new Error(`invalid weight ${String(b.weight)} for instance ${b.instanceId}`);
      }
      if (weight === 0) continue;
      let u: URL;
      try {
        u = new URL(b.url);
      } catch {
        throw new Error(`invalid url ${JSON.stringify(b.url)} for instance ${b.instanceId}`);
      }
      if (u.protocol !== 'http:' || u.port === '') {
        throw new Error(`backend url must be http://host:port, got ${JSON.stringify(b.url)}`);
      }
      const hostname = u.hostname.startsWith('[') ? u.hostname.slice(1, -1) : u.hostname;
      parsed.push({ b, hostname, port: Number(u.port), weight });
    }

    const gen = ++this.gen;
    const routes: Route[] = [];
    const cumulative = new Float64Array(parsed.length);
    let total = 0;
    for (const { b, hostname, port, weight } of parsed) {
      let state = this.states.get(b.instanceId);
      if (state === undefined) {
        state = { instanceId: b.instanceId, inFlight: 0, gen, waiters: null };
        this.states.set(b.instanceId, state);
      }
      state.gen = gen;
      total += weight;
      cumulative[routes.length] = total;
      routes.push(
        Object.freeze({
          instanceId: b.instanceId,
          versionId: b.versionId,
          url: b.url,
          hostname,
          port,
          weight,
          state,
          series: this.metrics.seriesFor(b.versionId),
        }),
      );
    }
    // The swap: one assignment of a fully built, frozen object.
    this.table = Object.freeze({ gen, routes: Object.freeze(routes), cumulative, total });

    // Forget idle instances that left the table (busy ones are forgotten when they go idle).
    for (const [id, s] of this.states) {
      if (s.gen !== gen && s.inFlight === 0) this.states.delete(id);
    }
  }

  /** The table in force (a copy; weight-0 backends are not kept). */
  routes(): RouteInfo[] {
    return this.table.routes.map((r) => ({
      instanceId: r.instanceId,
      versionId: r.versionId,
      url: r.url,
      weight: r.weight,
    }));
  }

  /** In-flight requests on an instance right now. */
  inFlight(instanceId: string): number {
    return this.states.get(instanceId)?.inFlight ?? 0;
  }

  /**
   * Resolve as soon as none of these instances has an in-flight request (drained: true), or
   * at the timeout with what is still in flight (drained: false). The instances should
   * already be out of the table, or new requests keep arriving.
   */
  drain(instanceIds: string[], timeoutMs: number): Promise<{ drained: boolean; inFlight: number }> {
    const busy: InstanceState[] = [];
    for (const id of new Set(instanceIds)) {
      const s = this.states.get(id);
      if (s !== undefined && s.inFlight > 0) busy.push(s);
    }
    const count = () => {
      let n = 0;
      for (const s of busy) n += s.inFlight;
      return n;
    };
    if (busy.length === 0) return Promise.resolve({ drained: true, inFlight: 0 });
    if (!(timeoutMs > 0)) return Promise.resolve({ drained: false, inFlight: count() });

    return new Promise((resolve) => {
      const finish = (drained: boolean) => {
        clearTimeout(timer);
        for (const s of busy) s.waiters?.delete(check);
        resolve({ drained, inFlight: drained ? 0 : count() });
      };
      const check = () => {
        if (count() === 0) finish(true);
      };
      const timer = setTimeout(() => finish(false), timeoutMs);
      for (const s of busy) (s.waiters ??= new Set()).add(check);
    });
  }

  /** Requests, non-2xx and 5xx per version over [fromMs, toMs) (1 s resolution). */
  traffic(fromMs: number, toMs: number): Record<string, VersionTrafficCounts> {
    return this.metrics.traffic(fromMs, toMs);
  }

  /** Latency percentiles (ms) per version over [fromMs, toMs). */
  latency(fromMs: number, toMs: number): Record<string, LatencySummary> {
    return this.metrics.latency(fromMs, toMs);
  }

  /** Latency histograms per version over [fromMs, toMs), for Mann–Whitney tests. */
  histograms(fromMs: number, toMs: number) {
    return this.metrics.histograms(fromMs, toMs);
  }

  /** Prometheus text exposition (0.0.4) of this router's cumulative metrics. */
  prometheusText(): string {
    return this.metrics.prometheusText(this.service);
  }

  // ---------------------------------------------------------------- hot path

  private readonly handle = (req: IncomingMessage, res: ServerResponse): void => {
    const t0 = performance.now();
    // The one and only read of the table for this request.
    const route = pick(this.table);
    const routedAt = Date.now();
    // (an IncomingMessage only emits 'error' when it has listeners, so req needs none)
    res.on('error', ignore);
    if (this.closing) res.shouldKeepAlive = false;

    if (route === undefined) {
      req.resume();
      res.writeHead(503, this.noBackendHeaders);
      res.end(this.noBackendBody);
      res.once('close', () => {
        this.unrouted.record(res.writableFinished ? 503 : STATUS_CLIENT_CLOSED, performance.now() - t0, this.now());
      });
      return;
    }

    route.state.inFlight++;
    this.totalInFlight++;
    const { headers, hasBody } = requestHeaders(req);
    // When this request was routed (Heroku-style), so a backend or client can tell which
    // routing table it saw: before or after a switch.
    headers.push('X-Request-Start', `t=${routedAt}`);
    new Exchange(this.ctx, route, req, res, headers, hasBody, t0).send();
  };

  /** Called exactly once per exchange that got a backend. */
  private finishExchange(route: Route, status: number, t0: number): void {
    route.series.record(status, performance.now() - t0, this.now());
    const state = route.state;
    if (--state.inFlight === 0) {
      if (state.gen !== this.table.gen && this.states.get(state.instanceId) === state) {
        this.states.delete(state.instanceId);
      }
      const waiters = state.waiters;
      if (waiters !== null && waiters.size > 0) for (const w of [...waiters]) w();
    }
    if (--this.totalInFlight === 0 && this.idleWaiters.size > 0) {
      for (const w of [...this.idleWaiters]) w();
    }
  }
}

function ignore(): void {}

function onClientError(err: NodeJS.ErrnoException, socket: Socket): void {
  if (err.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
}

/**
 * One client request forwarded to one backend (resent once if a reused idle socket was dead).
 * Event handlers are shared module functions that find their exchange through a symbol on the
 * emitter, so a request allocates no closures.
 */
const kExchange = Symbol('flightdeck.exchange');

interface WithExchange {
  [kExchange]?: Exchange;
}

class Exchange {
  proxyReq: http.ClientRequest | null = null;
  status = 0;
  done = false;
  retried = false;

  constructor(
    readonly ctx: ProxyContext,
    readonly route: Route,
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    readonly headers: string[],
    readonly hasBody: boolean,
    readonly t0: number,
  ) {
    (res as WithExchange)[kExchange] = this;
    res.on('close', onClientClose);
  }

  send(): void {
    const route = this.route;
    const preq = http.request({
      hostname: route.hostname,
      port: route.port,
      method: this.req.method,
      path: this.req.url,
      headers: this.headers,
      agent: this.ctx.agent,
      setHost: false,
    });
    (preq as WithExchange)[kExchange] = this;
    this.proxyReq = preq;
    preq.on('response', onProxyResponse);
    preq.on('error', onProxyError);
    if (this.hasBody) {
      this.req.pipe(preq);
    } else {
      preq.end();
      if (!this.retried) this.req.resume();
    }
  }
}

function onProxyResponse(this: http.ClientRequest, pres: IncomingMessage): void {
  const ex = (this as WithExchange)[kExchange];
  if (ex === undefined) return;
  const res = ex.res;
  if (ex.done || res.destroyed) {
    pres.destroy();
    return;
  }
  const status = pres.statusCode ?? 502;
  ex.status = status;
  const headers = responseHeaders(pres.rawHeaders);
  const vh = ex.ctx.versionHeader;
  if (vh !== undefined) headers.push(vh, ex.route.versionId);
  res.writeHead(status, pres.statusMessage, headers);
  pres.on('error', onBackendStreamError);
  pres.on('aborted', onBackendStreamError);
  pres.pipe(res);
}

/** The backend socket died mid-response: the client cannot get a whole answer any more. */
function onBackendStreamError(this: IncomingMessage): void {
  const ex = ((this as IncomingMessage & { req?: http.ClientRequest }).req as WithExchange | undefined)?.[kExchange];
  if (ex === undefined || ex.done) return;
  ex.status = 502;
  ex.res.destroy();
}

function onProxyError(this: http.ClientRequest, err: NodeJS.ErrnoException): void {
  const ex = (this as WithExchange)[kExchange];
  if (ex === undefined) return;
  const res = ex.res;
  if (ex.done || res.destroyed || ex.proxyReq !== this) return;
  if (
    !ex.retried &&
    !ex.hasBody &&
    !res.headersSent &&
    this.reusedSocket &&
    (err.code === 'ECONNRESET' || err.code === 'EPIPE')
  ) {
    // The backend closed an idle keep-alive socket just as we reused it: resend once.
    ex.retried = true;
    ex.send();
    return;
  }
  ex.status = 502;
  if (res.headersSent) {
    res.destroy();
    return;
  }
  // The client's body may be half-read: don't try to reuse its connection.
  if (ex.hasBody) res.shouldKeepAlive = false;
  res.writeHead(502, BAD_GATEWAY_HEADERS);
  res.end(BAD_GATEWAY_BODY);
}

function onClientClose(this: ServerResponse): void {
  const ex = (this as WithExchange)[kExchange];
  if (ex === undefined || ex.done) return;
  ex.done = true;
  let status = ex.status;
  if (!this.writableFinished) {
    // The client went away (or we tore the response down): stop the backend exchange.
    ex.proxyReq?.destroy();
    if (status === 0) status = STATUS_CLIENT_CLOSED;
  }
  ex.ctx.finish(ex.route, status === 0 ? 502 : status, ex.t0);
}
