/**
 * The fleet's edge: one HAProxy frontend per (environment, service) — the service's stable
 * address — kept in line with what the fleet runtime wants, over HAProxy's Runtime API.
 *
 * `apply` takes the versions that should have servers (each with its share of requests and its
 * instances, each instance ready, draining or out) and changes HAProxy in the order that never
 * sends a request to nothing: servers of lost hosts out of rotation before anything else, then
 * new servers, then the split (one atomic map change), then servers leaving rotation, then
 * servers removed. Weight changes, drains and server add/remove
 * never reload HAProxy; only a new frontend does (seamlessly). The model is kept on disk, so a
 * restarted control plane re-attaches without touching traffic.
 */
import dgram from 'node:dgram';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { combinedPrometheusText } from '../local/metrics';
import { RuntimeFault, type VersionLatency, type VersionTraffic } from '../types';
import { Haproxy, haproxyPaths } from './haproxy';
import { backendName, COLORS, CONNECT_TIMEOUT_MS, packShares, renderConfig, renderMap, type ServerState } from './haproxy-config';
import { EdgeMetrics } from './edge-metrics';
import { configOf, freeUdpPort, frontendOf, portFree, type DesiredServer, type DesiredVersion, type EdgeModel, type EdgeOptions, type FrontendModel, type ServerModel } from './edge-model';

export type { DesiredServer, DesiredVersion, EdgeOptions } from './edge-model';

export class Edge {
  private readonly metrics: EdgeMetrics;
  private queue = new Map<string, Promise<unknown>>();
  private logSocket: dgram.Socket | null = null;
  private sampler: NodeJS.Timeout | null = null;
  /** Samples are read and counted one after the other, in order (see sample()). */
  private sampling: Promise<void> = Promise.resolve();
  private readonly cuts = new Set<NodeJS.Timeout>();
  private closed = false;
  /** Hosts declared lost: none of their servers is put back in rotation until the host is back. */
  private readonly lostHosts = new Set<string>();

  private constructor(
    private readonly o: EdgeOptions,
    private readonly model: EdgeModel,
    private haproxy: Haproxy,
  ) {
    this.metrics = new EdgeMetrics({
      server: (proxy) => this.owner(proxy),
      backend: (proxy) => this.owner(proxy),
    });
  }

  static async open(o: EdgeOptions): Promise<Edge> {
    mkdirSync(o.dir, { recursive: true });
    const file = path.join(o.dir, 'edge.json');
    const model: EdgeModel = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as EdgeModel) : { logPort: await freeUdpPort(), frontends: {} };
    const p = haproxyPaths(o.dir);
    const config = renderConfig(configOf(o, model));
    const fresh = !existsSync(p.config) || readFileSync(p.config, 'utf8') !== config;
    if (fresh || !existsSync(p.map)) {
      writeFileSync(p.map, renderMap(Object.values(model.frontends).map((f) => frontendOf(f))));
      writeFileSync(p.config, config);
    }
    const haproxy = await Haproxy.start(o.dir, o.log);
    const edge = new Edge(o, model, haproxy);
    if (haproxy.attached && fresh) await haproxy.reload(config, renderMap(Object.values(model.frontends).map((f) => frontendOf(f))));
    edge.persist();
    await edge.listen();
    return edge;
  }

  /** The request log and the counters: read continuously while the edge is open. */
  private async listen(): Promise<void> {
    const sock = dgram.createSocket('udp4');
    sock.on('message', (m) => this.metrics.logLine(m.toString()));
    sock.on('error', (e) => this.o.log?.(`edge request log: ${e.message}`));
    await new Promise<void>((r) => sock.bind(this.model.logPort, '127.0.0.1', () => r()));
    this.logSocket = sock;
    let tick = 0;
    this.sampler = setInterval(() => {
      void this.sample().catch(() => {});
      if (++tick % 5 === 0) void this.sweep().catch(() => {});
    }, 1000);
    this.sampler.unref();
  }

  /**
   * Read every counter now. Samples never overlap: two read at once and counted in the other
   * order would take the older counters for a reload. Taken every second, whenever a window
   * that reaches the present is read, and before a server (or a colour) goes away — its counters
   * go with it, so what it served since the previous sample is read first.
   */
  private sample(): Promise<void> {
    const next = this.sampling.then(async () => {
      const rows = await this.haproxy.stats();
      this.metrics.sample(rows, Date.now());
    });
    this.sampling = next.catch(() => {});
    return next;
  }

  /** Which frontend and version a backend (`<key>.c<i>`) belongs to now. */
  private owner(proxy: string): { key: string; versionId: string } | null {
    const m = /^(.+)\.c(\d)$/.exec(proxy);
    const f = m ? this.model.frontends[m[1]!] : undefined;
    const v = f?.colors[Number(m![2])];
    return f && v ? { key: f.key, versionId: v } : null;
  }

  private persist(): void {
    const file = path.join(this.o.dir, 'edge.json');
    writeFileSync(`${file}.tmp`, JSON.stringify(this.model, null, 1));
    renameSync(`${file}.tmp`, file);
  }

  /** Calls on one frontend never interleave. */
  private serial<T>(key: string, work: () => Promise<T>): Promise<T> {
    const prev = this.queue.get(key) ?? Promise.resolve();
    const next = prev.then(work, work);
    this.queue.set(
      key,
      next.catch(() => {}),
    );
    return next;
  }

  address(key: string): string | null {
    const f = this.model.frontends[key];
    const host = this.o.advertise ?? (this.o.bind && this.o.bind !== '0.0.0.0' ? this.o.bind : '127.0.0.1');
    return f ? `http://${host}:${f.port}` : null;
  }

  /** The frontend of `key` (created, and HAProxy reloaded, the first time); its address. */
  ensureFrontend(key: string): Promise<string> {
    return this.serial('(reload)', async () => {
      const f = this.model.frontends[key];
      if (f) return this.address(key)!;
      const used = new Set(Object.values(this.model.frontends).map((x) => x.port));
      let port = this.o.basePort ?? 4300;
      while (used.has(port) || !(await portFree(this.o.bind ?? '127.0.0.1', port))) port++;
      this.model.frontends[key] = { key, port, colors: Array(COLORS).fill(null), shares: Array(COLORS).fill(0), servers: [] };
      const fronts = Object.values(this.model.frontends).map((x) => frontendOf(x));
      await this.haproxy.reload(renderConfig(configOf(this.o, this.model)), renderMap(fronts));
      this.persist();
      this.o.log?.(`edge: frontend ${key} on port ${this.model.frontends[key]!.port}`);
      return this.address(key)!;
    });
  }

  /** Make HAProxy route `key` as `versions` say (see the module comment for the order). */
  apply(key: string, versions: DesiredVersion[]): Promise<void> {
    return this.ensureFrontend(key).then(() => this.serial(key, () => this.applyNow(key, versions)));
  }

  /**
   * A host is lost: every server it holds leaves rotation now, in one Runtime API call, ahead of
   * any change queued for its services (a queued change may be waiting on a slow step). From the
   * moment this returns, HAProxy sends no new request to that host; the changes queued before it
   * cannot put its servers back (see applyNow), only `hostBack` lets them in again.
   */
  async hostLost(host: string): Promise<void> {
    this.lostHosts.add(host);
    const hit = Object.values(this.model.frontends).flatMap((f) => f.servers.filter((m) => m.host === host && m.state !== 'maint').map((m) => ({ key: f.key, m })));
    if (hit.length === 0) return;
    const out = await this.haproxy.command(hit.map(({ key, m }) => `set server ${backendName(key, m.color)}/${m.name} state maint`).join(';'));
    for (const { key, m } of hit) {
      m.state = 'maint';
      m.lost = true;
      this.cutLost(key, m);
    }
    this.persist();
    if (out.trim()) this.o.log?.(`edge: taking ${host}'s servers out of rotation: ${out.trim().slice(0, 300)}`);
  }

  /** A lost host answers again: its servers may return to rotation (once the fleet has probed them). */
  hostBack(host: string): void {
    this.lostHosts.delete(host);
  }

  private async applyNow(key: string, versions: DesiredVersion[]): Promise<void> {
    // What was computed before a host was declared lost does not put it back in rotation.
    const lostNow = (s: { host: string }) => this.lostHosts.has(s.host);
    versions = versions.map((v) => ({ ...v, servers: v.servers.map((s) => (lostNow(s) ? { ...s, state: 'maint' as const, lost: true } : s)) }));
    const f = this.model.frontends[key]!;
    let changed = false;
    const run = async (cmd: string) => {
      const out = (await this.haproxy.command(cmd)).trim();
      if (out && !/^New server registered\.$|changed from|no need to change|already exists/i.test(out)) throw new RuntimeFault('internal', `HAProxy refused "${cmd}": ${out}`);
      changed = true;
    };
    const be = (s: { color: number; name: string }) => `${backendName(key, s.color)}/${s.name}`;
    const setSplit = async (shares: number[]) => {
      await run(`set map ${haproxyPaths(this.o.dir).map} ${key} ${packShares(shares)}`);
      f.shares = shares;
    };
    const byVersion = new Map(versions.map((v) => [v.versionId, v]));
    const readyIn = (v: DesiredVersion | undefined) => !!v && v.weight > 0 && v.servers.some((s) => s.state === 'ready');
    // 0. Servers whose host is lost leave rotation before anything else happens. Their sessions
    // are not cut now: a request sent there in the last instant is still connecting (each
    // request opens its own connection, see haproxy-config.ts) and goes to another instance
    // when its connect times out. What is still attached once that timeout has passed was
    // talking to the host when it vanished: that is cut then (cutLost).
    for (const v of versions) {
      const color = f.colors.indexOf(v.versionId);
      if (color < 0) continue;
      for (const s of v.servers.filter((x) => x.lost && x.state === 'maint')) {
        const m = f.servers.find((x) => x.color === color && x.name === s.name);
        if (!m || m.state === 'maint') continue;
        await run(`set server ${be(m)} state maint`);
        m.state = 'maint';
        m.lost = true;
        this.cutLost(key, m);
      }
    }
    // Colours: a version keeps its own; one newly in rotation takes a free colour, or one whose
    // version takes no requests (cleared first: its servers go before another version's arrive).
    for (const v of versions) {
      if (f.colors.includes(v.versionId) || !readyIn(v)) continue;
      const idle = (c: number) => f.colors[c] === null || !byVersion.has(f.colors[c]!) || (byVersion.get(f.colors[c]!)!.weight <= 0 && f.shares[c] === 0);
      const c = [...Array(COLORS).keys()].sort((a, b) => Number(f.colors[b] === null) - Number(f.colors[a] === null) || f.shares[a]! - f.shares[b]!).find(idle);
      if (c === undefined) throw new RuntimeFault('invalid', `the edge serves at most ${COLORS} versions of a service at once`);
      if (f.shares[c]! > 0) await setSplit(f.shares.map((x, i) => (i === c ? 0 : x)));
      for (const m of f.servers.filter((x) => x.color === c)) await this.removeServer(f, m, true);
      if (f.colors[c] !== null) await this.sample().catch(() => {}); // what the colour's backend answered is still its old version's
      f.colors[c] = v.versionId;
    }
    const want = new Map<string, DesiredServer & { color: number; versionId: string }>();
    f.colors.forEach((v, color) => {
      for (const s of v ? (byVersion.get(v)?.servers ?? []) : []) want.set(`${color}/${s.name}`, { ...s, color, versionId: v! });
    });
    const modelOf = (id: string) => f.servers.find((x) => `${x.color}/${x.name}` === id);
    // 1. New servers (out of rotation until told), moved servers, servers entering rotation.
    for (const [id, s] of want) {
      let m = modelOf(id);
      if (!m) {
        await run(`add server ${be(s)} ${s.addr} weight 100`);
        m = { name: s.name, color: s.color, versionId: s.versionId, addr: s.addr, host: s.host, instanceId: s.instanceId, state: 'maint' };
        f.servers.push(m);
      }
      m.removing = false;
      if (m.addr !== s.addr) {
        const at = s.addr.lastIndexOf(':');
        await run(`set server ${be(s)} addr ${s.addr.slice(0, at)} port ${s.addr.slice(at + 1)}`);
        m.addr = s.addr;
        m.instanceId = s.instanceId;
      }
      if (s.state === 'ready' && m.state !== 'ready' && !lostNow(s)) {
        await run(`set server ${be(s)} weight 100`);
        await run(`set server ${be(s)} state ready`);
        m.state = 'ready';
      }
      if (!s.lost) m.lost = false;
    }
    // 2. The split: one atomic change.
    const shares = f.colors.map((v) => (v && readyIn(byVersion.get(v)) ? byVersion.get(v)!.weight : 0));
    if (packShares(shares) !== packShares(f.shares) || !changed) await setSplit(shares);
    // 3. Out of rotation: draining (finish what they have) or out at once (their host is lost).
    for (const [id, s] of want) {
      const m = modelOf(id)!;
      if (s.state === m.state || (s.state !== 'maint' && lostNow(s))) continue;
      await run(`set server ${be(s)} state ${s.state}`);
      m.state = s.state;
    }
    // 4. Servers no longer wanted: out, then deleted once HAProxy holds no connection to them.
    for (const m of f.servers.filter((x) => !want.has(`${x.color}/${x.name}`))) await this.removeServer(f, m, false);
    const freed = [...Array(COLORS).keys()].filter((c) => f.colors[c] && !byVersion.has(f.colors[c]!) && !f.servers.some((x) => x.color === c));
    if (freed.length) await this.sample().catch(() => {}); // the last of what their backends answered, for their versions
    for (const c of freed) f.colors[c] = null;
    this.persist();
  }

  /**
   * Cut the sessions of a server whose host is lost, once nothing can still be connecting to it:
   * after the connect timeout every such request was retried elsewhere, and what is left was
   * talking to the host when it vanished (waiting for an answer that will not come).
   */
  private cutLost(key: string, m: ServerModel): void {
    const id = `${backendName(key, m.color)}/${m.name}`;
    const timer = setTimeout(() => {
      this.cuts.delete(timer);
      if (this.closed) return;
      void this.serial(key, async () => {
        const f = this.model.frontends[key];
        const now = f?.servers.find((x) => x.color === m.color && x.name === m.name && x.instanceId === m.instanceId);
        if (now?.lost && now.state === 'maint') await this.haproxy.command(`shutdown sessions server ${id}`);
      }).catch((e) => this.o.log?.(`edge: cutting the sessions of ${id}: ${(e as Error).message}`));
    }, CONNECT_TIMEOUT_MS + 500);
    timer.unref();
    this.cuts.add(timer);
  }

  /** Out of rotation, connections cut when `cut`, and deleted — or kept for a later try while HAProxy still holds a connection. */
  private async removeServer(f: FrontendModel, m: ServerModel, cut: boolean): Promise<void> {
    const id = `${backendName(f.key, m.color)}/${m.name}`;
    if (m.state !== 'maint') await this.haproxy.command(`set server ${id} state maint`);
    if (cut) await this.haproxy.command(`shutdown sessions server ${id}`);
    m.state = 'maint';
    m.removing = true;
    // Its counters go with it: read what it served since the last sample first.
    await this.sample().catch(() => {});
    const out = (await this.haproxy.command(`del server ${id}`)).trim();
    if (/deleted|no such server/i.test(out)) {
      f.servers = f.servers.filter((x) => x !== m);
      this.metrics.forget(id); // a server added later under this name starts from zero
    }
  }

  /** Retry the removals HAProxy refused earlier (a connection was still open). */
  private async sweep(): Promise<void> {
    for (const f of Object.values(this.model.frontends)) {
      const pending = f.servers.filter((s) => s.removing);
      if (pending.length === 0) continue;
      await this.serial(f.key, async () => {
        for (const m of f.servers.filter((s) => s.removing)) await this.removeServer(f, m, false);
        this.persist();
      });
    }
  }

  /** Wait until these servers have no request in flight (or `timeoutMs` passed). */
  async drained(key: string, servers: Array<{ name: string; versionId: string }>, timeoutMs: number): Promise<void> {
    const f = this.model.frontends[key];
    if (!f || servers.length === 0) return;
    const ids = new Set(
      servers.flatMap((s) => {
        const color = f.colors.indexOf(s.versionId);
        return color < 0 ? [] : [`${backendName(key, color)}/${s.name}`];
      }),
    );
    const until = Date.now() + timeoutMs;
    while (Date.now() < until) {
      const busy = (await this.haproxy.stats()).filter((r) => ids.has(`${r.proxy}/${r.server}`) && r.scur > 0);
      if (busy.length === 0) return;
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** The servers of `key` on `host`, as the model has them. */
  serversOn(host: string): Array<{ key: string; name: string; state: ServerState }> {
    return Object.values(this.model.frontends).flatMap((f) => f.servers.filter((s) => s.host === host).map((s) => ({ key: f.key, name: s.name, state: s.state })));
  }

  /** Current split and servers of a frontend (tests, the panel). */
  view(key: string): { colors: Array<string | null>; shares: number[]; servers: Array<{ name: string; color: number; state: ServerState; host: string }> } | null {
    const f = this.model.frontends[key];
    return f ? { colors: [...f.colors], shares: [...f.shares], servers: f.servers.map((s) => ({ name: s.name, color: s.color, state: s.state, host: s.host })) } : null;
  }

  async traffic(key: string, fromMs: number, toMs: number): Promise<Record<string, VersionTraffic>> {
    // The window reaches past the last sample: read the counters now rather than miss the end.
    if (toMs > this.metrics.lastSampleAt) await this.sample().catch(() => {});
    return this.metrics.traffic(key, fromMs, toMs);
  }

  latency(key: string, fromMs: number, toMs: number): Record<string, VersionLatency> {
    return this.metrics.latencyFor(key).histograms(fromMs, toMs);
  }

  /** Prometheus text of the frontends whose key starts with `prefix` ("<environment>."), labelled by service. */
  prometheusText(prefix: string): string {
    const keys = Object.keys(this.model.frontends).filter((k) => k.startsWith(prefix));
    return combinedPrometheusText(keys.map((key) => ({ service: key.slice(prefix.length), metrics: this.metrics.latencyFor(key) })));
  }

  /** Stop listening; with `stop`, stop HAProxy too (every service address goes away). */
  async close(opts: { stop?: boolean } = {}): Promise<void> {
    this.closed = true;
    if (this.sampler) clearInterval(this.sampler);
    for (const t of this.cuts) clearTimeout(t);
    this.cuts.clear();
    await new Promise<void>((r) => (this.logSocket ? this.logSocket.close(() => r()) : r()));
    if (opts.stop) await this.haproxy.stop();
  }
}
