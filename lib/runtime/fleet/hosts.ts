/**
 * The fleet's hosts as the control plane sees them: the registered ones (from the directory,
 * re-read every few seconds) and, from heartbeats, whether each answers.
 *
 * Every `heartbeatMs` each host's agent is asked for /health (with its token). A host that has
 * not answered for `downAfterMs` is declared unreachable at once — without waiting for the
 * request in flight to time out — and `onDown` runs (the edge takes its instances out of
 * rotation). A host answering again is not trusted blindly: `onUp` reconciles it before it is
 * ready. A host never heard from since this control plane started is "unknown": nothing new
 * is placed on it, and nothing it runs is taken out of rotation on that account alone.
 */
import { RemoteRuntime } from '../rpc';
import type { HostCapacity, HostDirectory, HostRecord } from './types';
import { DEFAULT_POOL } from './placement';

export type Reachability = 'unknown' | 'ready' | 'unreachable';

export interface HostView extends HostRecord {
  pool: string;
  reachability: Reachability;
  lastOkAt: number;
  /** When it was declared unreachable (epoch ms). */
  downAt: number | null;
  pid: number | null;
  observed: HostCapacity | null;
  error: string | null;
}

export interface HostMonitorOptions {
  directory: HostDirectory;
  heartbeatMs: number;
  downAfterMs: number;
  onDown: (host: HostView, silentForMs: number) => Promise<void>;
  /**
   * Reconcile a host that answers: for the first time since this control plane started, again
   * after it was unreachable, or with a restarted agent. It is ready once this resolves.
   */
  onUp: (host: HostView, why: 'first' | 'returned' | 'restarted') => Promise<void>;
  log?: (m: string) => void;
}

interface Entry {
  view: HostView;
  inFlight: boolean;
  /** onUp running: the host answers but is not ready yet. */
  reconciling: boolean;
  clients: Map<string, RemoteRuntime>;
}

export class HostMonitor {
  private readonly entries = new Map<string, Entry>();
  private beat: NodeJS.Timeout | null = null;
  private refresher: NodeJS.Timeout | null = null;
  private lastReport = new Map<string, number>();
  private lastTick = 0;

  constructor(private readonly o: HostMonitorOptions) {}

  async start(): Promise<void> {
    await this.refresh();
    this.beat = setInterval(() => this.tick(), this.o.heartbeatMs);
    this.refresher = setInterval(() => void this.refresh().catch((e) => this.o.log?.(`hosts: ${(e as Error).message}`)), 2000);
  }

  /** Re-read the registered hosts (new ones, changed labels, capacity, draining, tokens). */
  async refresh(): Promise<void> {
    const records = await this.o.directory.hosts();
    const names = new Set(records.map((r) => r.name));
    for (const [name, e] of this.entries) {
      if (!names.has(name)) {
        for (const c of e.clients.values()) c.close();
        this.entries.delete(name);
      }
    }
    for (const r of records) {
      const e = this.entries.get(r.name);
      const pool = r.labels.pool || DEFAULT_POOL;
      if (!e) {
        this.entries.set(r.name, {
          view: { ...r, pool, reachability: 'unknown', lastOkAt: 0, downAt: null, pid: null, observed: null, error: null },
          inFlight: false,
          reconciling: false,
          clients: new Map(),
        });
        continue;
      }
      if (e.view.address !== r.address || e.view.token !== r.token || e.view.ca !== r.ca) {
        for (const c of e.clients.values()) c.close();
        e.clients.clear();
      }
      Object.assign(e.view, r, { pool });
    }
  }

  hosts(): HostView[] {
    return [...this.entries.values()].map((e) => e.view);
  }

  host(name: string): HostView | undefined {
    return this.entries.get(name)?.view;
  }

  /** The agent of `host`, talking to one environment's scope. */
  client(host: string, scope: string | null): RemoteRuntime {
    const e = this.entries.get(host);
    if (!e) throw new Error(`no host named ${host} is registered`);
    const key = scope ?? '';
    let c = e.clients.get(key);
    if (!c) e.clients.set(key, (c = new RemoteRuntime(e.view.address, scope, { token: e.view.token, ca: e.view.ca ?? undefined })));
    return c;
  }

  private tick(): void {
    const now = Date.now();
    // This process stalled (a long garbage collection, a busy machine): the heartbeats' answers
    // may be waiting unread, so the silence is ours, not the hosts'. Count it from now.
    const stalled = this.lastTick > 0 && now - this.lastTick > 3 * this.o.heartbeatMs;
    this.lastTick = now;
    for (const e of this.entries.values()) {
      if (stalled && e.view.lastOkAt > 0) e.view.lastOkAt = Math.max(e.view.lastOkAt, now - this.o.heartbeatMs);
      const silent = now - (e.view.lastOkAt || e.view.downAt || now);
      if (e.view.reachability === 'ready' && silent >= this.o.downAfterMs) void this.down(e, silent, e.view.error ?? 'no heartbeat answer');
      if (!e.inFlight) void this.heartbeat(e);
    }
  }

  private async heartbeat(e: Entry): Promise<void> {
    e.inFlight = true;
    try {
      // A late answer still proves the host alive: whether it is lost is decided by silence alone (tick).
      const r = await this.client(e.view.name, null).check(2 * this.o.downAfterMs);
      if (r.status !== 'ok') {
        e.view.error = r.status === 'unauthorized' ? 'the agent refused the token' : r.error;
        if (e.view.reachability === 'unknown') await this.down(e, 0, e.view.error);
        return;
      }
      const h = r.health as { pid: number; capacity?: HostCapacity };
      const restarted = e.view.pid !== null && e.view.pid !== h.pid;
      e.view.lastOkAt = Date.now();
      e.view.error = null;
      e.view.pid = h.pid;
      e.view.observed = h.capacity ?? null;
      // Reconciling takes a while: heartbeats go on meanwhile (it is not ready until it is done).
      if ((e.view.reachability !== 'ready' || restarted) && !e.reconciling) void this.up(e, restarted);
      else this.report(e, false);
    } finally {
      e.inFlight = false;
    }
  }

  private async down(e: Entry, silentForMs: number, error: string): Promise<void> {
    if (e.view.reachability === 'unreachable') return;
    e.view.reachability = 'unreachable';
    e.view.downAt = Date.now();
    e.view.error = error;
    // Kept-alive sockets to a host that stopped answering would only hang the next calls.
    for (const c of e.clients.values()) c.close();
    e.clients.clear();
    this.o.log?.(`host ${e.view.name} unreachable (silent for ${silentForMs} ms: ${error})`);
    await this.o.onDown(e.view, silentForMs).catch((err) => this.o.log?.(`host ${e.view.name}: taking it out of rotation failed: ${(err as Error).message}`));
    this.report(e, true, silentForMs);
  }

  private async up(e: Entry, restarted: boolean): Promise<void> {
    e.reconciling = true;
    try {
      this.o.log?.(`host ${e.view.name} ${restarted ? 'has a restarted agent' : e.view.reachability === 'unknown' ? 'answers' : 'answers again'}: reconciling it`);
      await this.o.onUp(e.view, restarted ? 'restarted' : e.view.reachability === 'unknown' ? 'first' : 'returned');
      e.view.reachability = 'ready';
      e.view.downAt = null;
      this.report(e, true);
    } catch (err) {
      e.view.error = `reconciliation failed: ${(err as Error).message}`;
      this.o.log?.(`host ${e.view.name}: ${e.view.error}`);
    } finally {
      e.reconciling = false;
    }
  }

  /** Tell the directory: at once on a change, otherwise at most every 5 s per host. */
  private report(e: Entry, changed: boolean, silentForMs?: number): void {
    const now = Date.now();
    if (!changed && now - (this.lastReport.get(e.view.name) ?? 0) < 5000) return;
    this.lastReport.set(e.view.name, now);
    void this.o.directory
      .report({
        name: e.view.name,
        reachable: e.view.reachability === 'ready',
        at: now,
        changed,
        error: e.view.error ?? undefined,
        capacity: e.view.observed ?? undefined,
        pid: e.view.pid ?? undefined,
        silentForMs,
      })
      .catch((err) => this.o.log?.(`hosts: recording ${e.view.name}: ${(err as Error).message}`));
  }

  close(): void {
    if (this.beat) clearInterval(this.beat);
    if (this.refresher) clearInterval(this.refresher);
    for (const e of this.entries.values()) for (const c of e.clients.values()) c.close();
  }
}
