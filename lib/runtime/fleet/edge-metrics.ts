/**
 * Per-version traffic at the edge, from HAProxy's own numbers:
 *  - request and error counts from its per-server counters (`show stat`), sampled every second:
 *    each server belongs to one version, so the growth of its counters is that version's
 *    traffic; what the backend answered by itself (no usable server) goes to the version
 *    holding the backend;
 *  - latency distributions from its request log (one UDP datagram per request on loopback),
 *    into the same histograms the built-in router keeps, so canary analysis judges both alike.
 */
import { RouterMetrics } from '../local/metrics';
import type { StatRow } from './haproxy';
import type { VersionTraffic } from '../types';

const RETENTION_S = 900;

interface Counts {
  requests: number;
  errors: number;
  serverErrors: number;
}

function countsOf(r: StatRow): Counts {
  const h = r.hrsp;
  const requests = h['1xx'] + h['2xx'] + h['3xx'] + h['4xx'] + h['5xx'] + h.other;
  return { requests, errors: requests - h['2xx'], serverErrors: h['5xx'] + h.other };
}

/** Per-second request counts per version, for one frontend. */
export class CountSeries {
  private readonly byVersion = new Map<string, Map<number, Counts>>();

  add(versionId: string, atMs: number, c: Counts): void {
    if (c.requests <= 0 && c.errors <= 0) return;
    const sec = Math.floor(atMs / 1000);
    let series = this.byVersion.get(versionId);
    if (!series) this.byVersion.set(versionId, (series = new Map()));
    const b = series.get(sec) ?? { requests: 0, errors: 0, serverErrors: 0 };
    b.requests += c.requests;
    b.errors += c.errors;
    b.serverErrors += c.serverErrors;
    series.set(sec, b);
    for (const s of series.keys()) if (s < sec - RETENTION_S) series.delete(s);
  }

  /** Requests per version over [fromMs, toMs), at 1 s resolution (seconds overlapping the window count). */
  traffic(fromMs: number, toMs: number): Record<string, VersionTraffic> {
    const out: Record<string, VersionTraffic> = {};
    for (const [v, series] of this.byVersion) {
      const t = { requests: 0, errors: 0, serverErrors: 0 };
      for (const [sec, c] of series) {
        if (sec * 1000 < toMs && sec * 1000 + 1000 > fromMs) {
          t.requests += c.requests;
          t.errors += c.errors;
          t.serverErrors += c.serverErrors;
        }
      }
      if (t.requests > 0) out[v] = t;
    }
    return out;
  }
}

/** Which version a backend (colour) or server belongs to, as the edge model says now. */
export interface Attribution {
  /** Frontend key and version of a server row, or null when not one of Flightdeck's. */
  server(proxy: string, server: string): { key: string; versionId: string } | null;
  /** Frontend key and version holding a backend, or null. */
  backend(proxy: string): { key: string; versionId: string } | null;
}

export class EdgeMetrics {
  private readonly counts = new Map<string, CountSeries>();
  private readonly latencies = new Map<string, RouterMetrics>();
  private last = new Map<string, Counts>();
  lastSampleAt = 0;

  constructor(private readonly attribution: Attribution) {}

  private countsFor(key: string): CountSeries {
    let c = this.counts.get(key);
    if (!c) this.counts.set(key, (c = new CountSeries()));
    return c;
  }

  latencyFor(key: string): RouterMetrics {
    let m = this.latencies.get(key);
    if (!m) this.latencies.set(key, (m = new RouterMetrics()));
    return m;
  }

  /** Take one `show stat` sample: the growth of every counter since the previous one. */
  sample(rows: StatRow[], atMs: number): void {
    const next = new Map<string, Counts>();
    const serverSums = new Map<string, Counts>();
    const delta = (id: string, c: Counts): Counts => {
      next.set(id, c);
      const p = this.last.get(id);
      // New since the previous sample: all of it is new traffic — except on the very first
      // sample, which finds counters HAProxy kept from before this control plane started.
      if (!p) return this.lastSampleAt === 0 ? { requests: 0, errors: 0, serverErrors: 0 } : c;
      // A counter lower than before: HAProxy reloaded and started again from zero.
      if (c.requests < p.requests) return c;
      return { requests: c.requests - p.requests, errors: c.errors - p.errors, serverErrors: c.serverErrors - p.serverErrors };
    };
    for (const r of rows) {
      if (r.server === 'FRONTEND' || r.server === 'BACKEND') continue;
      const who = this.attribution.server(r.proxy, r.server);
      if (!who) continue;
      const d = delta(`${r.proxy}/${r.server}`, countsOf(r));
      this.countsFor(who.key).add(who.versionId, atMs - 1, d);
      const s = serverSums.get(r.proxy) ?? { requests: 0, errors: 0, serverErrors: 0 };
      serverSums.set(r.proxy, { requests: s.requests + d.requests, errors: s.errors + d.errors, serverErrors: s.serverErrors + d.serverErrors });
    }
    for (const r of rows) {
      if (r.server !== 'BACKEND') continue;
      const who = this.attribution.backend(r.proxy);
      const d = delta(`${r.proxy}/BACKEND`, countsOf(r));
      if (!who) continue;
      const s = serverSums.get(r.proxy) ?? { requests: 0, errors: 0, serverErrors: 0 };
      // Answered by HAProxy itself (no usable server, a server that failed mid-answer).
      const own = { requests: Math.max(0, d.requests - s.requests), errors: Math.max(0, d.errors - s.errors), serverErrors: Math.max(0, d.serverErrors - s.serverErrors) };
      this.countsFor(who.key).add(who.versionId, atMs - 1, own);
    }
    this.last = next;
    this.lastSampleAt = atMs;
  }

  /**
   * A server HAProxy deleted (`<backend>/<server>`): its last counters are forgotten, so one
   * added later under the same name counts from zero rather than from the deleted one's total.
   */
  forget(id: string): void {
    this.last.delete(id);
  }

  /** One request log line: "<prefix>: <backend> <server> <status> <Ta ms>". */
  logLine(line: string): void {
    const m = /:\s(\S+)\s(\S+)\s(\d+)\s(-?\d+)\s*$/.exec(line);
    if (!m) return;
    const who = this.attribution.backend(m[1]!);
    if (!who) return;
    this.latencyFor(who.key).record(who.versionId, Number(m[3]), Math.max(0, Number(m[4])));
  }

  traffic(key: string, fromMs: number, toMs: number): Record<string, VersionTraffic> {
    return this.counts.get(key)?.traffic(fromMs, toMs) ?? {};
  }
}
