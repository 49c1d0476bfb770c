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
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import {
  RouterMetrics,
  UNROUTED_VERSION,
  type LatencySummary,
  type VersionSeries,
  type VersionTrafficCounts,
} from './metrics';
import { Exchange, ignore, JSON_CONTENT_TYPE, onClientError, STATUS_CLIENT_CLOSED, type ProxyContext } from './router-exchange';
import { requestHeaders } from './router-headers';
import { buildTable, EMPTY_TABLE, pick, type InstanceState, type Route, type RouteInfo, type RouterBackend, type Table } from './router-table';

export type { RouteInfo, RouterBackend } from './router-table';

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
    this.table = EMPTY_TABLE;
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
    const table = buildTable(backends, this.gen + 1, this.states, (versionId) => this.metrics.seriesFor(versionId));
    this.gen = table.gen;
    // The swap: one assignment of a fully built, frozen object.
    this.table = table;

    // Forget idle instances that left the table (busy ones are forgotten when they go idle).
    for (const [id, s] of this.states) {
      if (s.gen !== table.gen && s.inFlight === 0) this.states.delete(id);
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
