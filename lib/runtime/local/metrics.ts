/**
 * Per-version request metrics for the local router.
 *
 * Two views of the same stream of completed requests:
 *  - a sliding window: 1-second buckets kept for 15 minutes in a ring buffer per version
 *    (requests, non-2xx, 5xx, and a latency histogram per bucket), so traffic and latency
 *    percentiles over any recent window come from merging buckets;
 *  - cumulative counters since start, rendered as Prometheus text exposition format 0.0.4.
 *
 * Recording is O(1) and allocation-free: a slot index, a bounds scan over 21 numbers and a
 * handful of typed-array increments. Time (for bucketing only) comes from an injectable
 * `now()`; latencies are passed in by the caller.
 */

/** Upper bounds (inclusive, ms) of the latency histogram; a final +Inf bucket follows. */
export const LATENCY_BOUNDS_MS: readonly number[] = Object.freeze([
  0.5, 1, 2, 3, 5, 7.5, 10, 15, 20, 30, 50, 75, 100, 150, 200, 300, 500, 750, 1000, 2000, 5000,
]);

/** Number of histogram buckets including +Inf. */
export const HISTOGRAM_BUCKETS = LATENCY_BOUNDS_MS.length + 1;

export const BUCKET_MS = 1000;
export const RETENTION_BUCKETS = 900; // 15 minutes of 1 s buckets

/** Version key under which requests that reached no backend (503) are recorded. */
export const UNROUTED_VERSION = '(none)';

export interface VersionTrafficCounts {
  requests: number;
  /** every non-2xx */
  errors: number;
  /** 5xx only (502/503 from the router included) */
  serverErrors: number;
}

export interface LatencySummary {
  /** milliseconds, estimated from the histogram (linear interpolation within a bucket) */
  p50: number;
  p95: number;
  p99: number;
  count: number;
}

// Layout of one window slot in VersionSeries.slots: [requests, errors, serverErrors, hist × 22]
const F_REQ = 0;
const F_ERR = 1;
const F_5XX = 2;
const F_HIST = 3;
const STRIDE = F_HIST + HISTOGRAM_BUCKETS;

const LAST_BOUND_INDEX = LATENCY_BOUNDS_MS.length - 1;
const BOUNDS = Float64Array.from(LATENCY_BOUNDS_MS);

/** Index of the histogram bucket for a latency: the first bound ≥ ms, else +Inf. */
export function bucketIndex(ms: number): number {
  // Most requests are fast, so a forward scan exits early; NaN lands in +Inf.
  for (let i = 0; i <= LAST_BOUND_INDEX; i++) {
    if (ms <= BOUNDS[i]!) return i;
  }
  return LATENCY_BOUNDS_MS.length;
}

/**
 * Estimate quantile q (0..1) from histogram counts (HISTOGRAM_BUCKETS long, non-cumulative),
 * like Prometheus' histogram_quantile: find the bucket holding rank q·n, interpolate linearly
 * between its bounds. The +Inf bucket answers `maxMs`; every answer is capped at `maxMs` when
 * the observed maximum is known. 0 when there are no samples.
 */
export function histogramQuantile(
  counts: ArrayLike<number>,
  q: number,
  maxMs: number = Number.POSITIVE_INFINITY,
): number {
  let total = 0;
  for (let i = 0; i < HISTOGRAM_BUCKETS; i++) total += counts[i] ?? 0;
  if (total === 0) return 0;
  const rank = Math.min(Math.max(q, 0), 1) * total;
  let cum = 0;
  for (let i = 0; i < HISTOGRAM_BUCKETS; i++) {
    const c = counts[i] ?? 0;
    if (c === 0) continue;
    if (cum + c >= rank) {
      if (i === LATENCY_BOUNDS_MS.length) {
        return Number.isFinite(maxMs) ? maxMs : BOUNDS[LAST_BOUND_INDEX]!;
      }
      const lower = i === 0 ? 0 : BOUNDS[i - 1]!;
      const upper = BOUNDS[i]!;
      const v = lower + ((upper - lower) * (rank - cum)) / c;
      return Math.min(v, maxMs);
    }
    cum += c;
  }
  return Number.isFinite(maxMs) ? maxMs : BOUNDS[LAST_BOUND_INDEX]!;
}

function codeClassIndex(status: number): number {
  // 0 → 1xx … 4 → 5xx; anything outside 100..599 counts as 5xx (a broken answer).
  const c = (status / 100) | 0;
  return c >= 1 && c <= 5 ? c - 1 : 4;
}

const CODE_CLASS_LABELS = ['1xx', '2xx', '3xx', '4xx', '5xx'] as const;

/** All the state for one version: a ring of window slots and cumulative totals. */
export class VersionSeries {
  /** epoch second held by each slot, -1 when empty */
  private secs: Float64Array | null = null;
  private slots: Uint32Array | null = null;
  /** max latency (ms) seen in each slot, to cap percentiles */
  private maxes: Float64Array | null = null;
  /** most recent epoch second written */
  lastSec = -1;

  // cumulative since start
  readonly codeClassTotals = new Float64Array(5);
  readonly histTotals = new Float64Array(HISTOGRAM_BUCKETS);
  sumMs = 0;
  count = 0;

  constructor(readonly versionId: string) {}

  /** Record one completed request at epoch ms `atMs`. */
  record(status: number, latencyMs: number, atMs: number): void {
    const ms = latencyMs >= 0 ? latencyMs : 0;
    const b = bucketIndex(ms);
    const cls = codeClassIndex(status);

    this.codeClassTotals[cls]!++;
    this.histTotals[b]!++;
    this.sumMs += ms;
    this.count++;

    const sec = Math.floor(atMs / BUCKET_MS);
    if (!(sec >= 0)) return;
    let secs = this.secs;
    let slots = this.slots;
    let maxes = this.maxes;
    if (secs === null || slots === null || maxes === null) {
      secs = this.secs = new Float64Array(RETENTION_BUCKETS).fill(-1);
      slots = this.slots = new Uint32Array(RETENTION_BUCKETS * STRIDE);
      maxes = this.maxes = new Float64Array(RETENTION_BUCKETS);
    }
    const idx = sec % RETENTION_BUCKETS;
    const held = secs[idx]!;
    if (held !== sec) {
      // A slot holding a newer second means the clock went back by ≥ 15 min: keep the newer data.
      if (held > sec) return;
      secs[idx] = sec;
      slots.fill(0, idx * STRIDE, idx * STRIDE + STRIDE);
      maxes[idx] = 0;
    }
    const base = idx * STRIDE;
    slots[base + F_REQ]!++;
    if (cls !== 1) {
      slots[base + F_ERR]!++;
      if (cls === 4) slots[base + F_5XX]!++;
    }
    slots[base + F_HIST + b]!++;
    if (ms > maxes[idx]!) maxes[idx] = ms;
    if (sec > this.lastSec) this.lastSec = sec;
  }

  /**
   * Visit every live slot whose second overlaps [fromMs, toMs) and is still retained
   * relative to `nowMs`. Returns false when nothing was visited.
   */
  private forEachSlot(
    fromMs: number,
    toMs: number,
    nowMs: number,
    visit: (slots: Uint32Array, base: number, maxMs: number) => void,
  ): boolean {
    const secs = this.secs;
    const slots = this.slots;
    const maxes = this.maxes;
    if (secs === null || slots === null || maxes === null) return false;
    if (!(toMs > fromMs)) return false;
    const newest = Math.max(this.lastSec, Math.floor(nowMs / BUCKET_MS));
    const oldest = newest - RETENTION_BUCKETS + 1;
    // bucket s covers [s·1000, s·1000+1000): it overlaps the window if s·1000 < toMs and s·1000+1000 > fromMs
    const first = Math.max(oldest, Number.isFinite(fromMs) ? Math.floor(fromMs / BUCKET_MS) : oldest, 0);
    const last = Math.min(newest, Number.isFinite(toMs) ? Math.ceil(toMs / BUCKET_MS) - 1 : newest);
    let any = false;
    for (let s = first; s <= last; s++) {
      const idx = s % RETENTION_BUCKETS;
      if (secs[idx] !== s) continue;
      any = true;
      visit(slots, idx * STRIDE, maxes[idx]!);
    }
    return any;
  }

  traffic(fromMs: number, toMs: number, nowMs: number): VersionTrafficCounts | null {
    const t = { requests: 0, errors: 0, serverErrors: 0 };
    const any = this.forEachSlot(fromMs, toMs, nowMs, (slots, base) => {
      t.requests += slots[base + F_REQ]!;
      t.errors += slots[base + F_ERR]!;
      t.serverErrors += slots[base + F_5XX]!;
    });
    return any && t.requests > 0 ? t : null;
  }

  /** Merged histogram counts (HISTOGRAM_BUCKETS long) and the max latency over a window. */
  histogram(fromMs: number, toMs: number, nowMs: number): { counts: Float64Array; maxMs: number } {
    const counts = new Float64Array(HISTOGRAM_BUCKETS);
    let maxMs = 0;
    this.forEachSlot(fromMs, toMs, nowMs, (slots, base, slotMax) => {
      for (let i = 0; i < HISTOGRAM_BUCKETS; i++) counts[i]! += slots[base + F_HIST + i]!;
      if (slotMax > maxMs) maxMs = slotMax;
    });
    return { counts, maxMs };
  }

  latency(fromMs: number, toMs: number, nowMs: number): LatencySummary | null {
    const { counts, maxMs } = this.histogram(fromMs, toMs, nowMs);
    let count = 0;
    for (let i = 0; i < HISTOGRAM_BUCKETS; i++) count += counts[i]!;
    if (count === 0) return null;
    return {
      p50: histogramQuantile(counts, 0.5, maxMs),
      p95: histogramQuantile(counts, 0.95, maxMs),
      p99: histogramQuantile(counts, 0.99, maxMs),
      count,
    };
  }

  /** Free the window storage when nothing was recorded for the whole retention period. */
  pruneWindow(nowMs: number): void {
    if (this.secs !== null && Math.floor(nowMs / BUCKET_MS) - this.lastSec >= RETENTION_BUCKETS) {
      this.secs = null;
      this.slots = null;
      this.maxes = null;
    }
  }
}

function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** Render a float the way Prometheus parsers accept it. */
function promNumber(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Number.POSITIVE_INFINITY) return '+Inf';
  if (n === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(n);
}

const LE_LABELS: readonly string[] = [
  ...LATENCY_BOUNDS_MS.map((ms) => promNumber(Number((ms / 1000).toPrecision(12)))),
  '+Inf',
];

export class RouterMetrics {
  private readonly series = new Map<string, VersionSeries>();
  private readonly now: () => number;

  constructor(opts: { now?: () => number } = {}) {
    this.now = opts.now ?? Date.now;
  }

  /** The series for a version, created on first use. Callers on a hot path may keep it. */
  seriesFor(versionId: string): VersionSeries {
    let s = this.series.get(versionId);
    if (s === undefined) {
      s = new VersionSeries(versionId);
      this.series.set(versionId, s);
    }
    return s;
  }

  /** Record one completed request now. */
  record(versionId: string, status: number, latencyMs: number): void {
    this.seriesFor(versionId).record(status, latencyMs, this.now());
  }

  versions(): string[] {
    return [...this.series.keys()];
  }

  /** Requests, non-2xx and 5xx per version over [fromMs, toMs), at 1 s resolution (buckets overlapping the window count). */
  traffic(fromMs: number, toMs: number): Record<string, VersionTrafficCounts> {
    const nowMs = this.now();
    const out: Record<string, VersionTrafficCounts> = {};
    for (const [v, s] of this.series) {
      s.pruneWindow(nowMs);
      const t = s.traffic(fromMs, toMs, nowMs);
      if (t !== null) out[v] = t;
    }
    return out;
  }

  /** Latency percentiles per version over [fromMs, toMs), merged from the 1 s buckets. */
  latency(fromMs: number, toMs: number): Record<string, LatencySummary> {
    const nowMs = this.now();
    const out: Record<string, LatencySummary> = {};
    for (const [v, s] of this.series) {
      s.pruneWindow(nowMs);
      const l = s.latency(fromMs, toMs, nowMs);
      if (l !== null) out[v] = l;
    }
    return out;
  }

  /** Latency histogram counts (HISTOGRAM_BUCKETS long, bounds LATENCY_BOUNDS_MS + Inf) per version. */
  histograms(fromMs: number, toMs: number): Record<string, { boundsMs: number[]; counts: number[]; maxMs: number }> {
    const nowMs = this.now();
    const out: Record<string, { boundsMs: number[]; counts: number[]; maxMs: number }> = {};
    for (const [v, s] of this.series) {
      s.pruneWindow(nowMs);
      const { counts, maxMs } = s.histogram(fromMs, toMs, nowMs);
      if (counts.some((c) => c > 0)) out[v] = { boundsMs: [...LATENCY_BOUNDS_MS], counts: [...counts], maxMs };
    }
    return out;
  }

  /** Prometheus text exposition format 0.0.4, cumulative since this object was created. */
  prometheusText(service: string): string {
    return combinedPrometheusText([{ service, metrics: this }]);
  }

  /** Version series sorted by version id (for stable exposition). */
  sortedSeries(): VersionSeries[] {
    return [...this.series.values()].sort((a, b) =>
      a.versionId < b.versionId ? -1 : a.versionId > b.versionId ? 1 : 0,
    );
  }
}

/**
 * Prometheus text exposition format 0.0.4 for several services' metrics at once: each metric
 * family's HELP/TYPE lines appear once (a scrape must not repeat a family), then one series per
 * (service, version).
 */
export function combinedPrometheusText(sources: ReadonlyArray<{ service: string; metrics: RouterMetrics }>): string {
  const all = sources.map(({ service, metrics }) => ({ svc: escapeLabel(service), series: metrics.sortedSeries() }));
  const lines: string[] = [
    '# HELP flightdeck_requests_total Requests completed through the Flightdeck router, by version and status class.',
    '# TYPE flightdeck_requests_total counter',
  ];
  for (const { svc, series } of all) {
    for (const s of series) {
      const v = escapeLabel(s.versionId);
      for (let c = 0; c < 5; c++) {
        const n = s.codeClassTotals[c]!;
        // 1xx is never a final status through the router; show it only if it happened.
        if (c === 0 && n === 0) continue;
        lines.push(
          `flightdeck_requests_total{service="${svc}",version="${v}",code_class="${CODE_CLASS_LABELS[c]}"} ${promNumber(n)}`,
        );
      }
    }
  }
  lines.push(
    '# HELP flightdeck_request_duration_seconds Time from request received to response finished, through the Flightdeck router.',
    '# TYPE flightdeck_request_duration_seconds histogram',
  );
  for (const { svc, series } of all) {
    for (const s of series) {
      const labels = `service="${svc}",version="${escapeLabel(s.versionId)}"`;
      let cum = 0;
      for (let i = 0; i < HISTOGRAM_BUCKETS; i++) {
        cum += s.histTotals[i]!;
        lines.push(`flightdeck_request_duration_seconds_bucket{${labels},le="${LE_LABELS[i]}"} ${promNumber(cum)}`);
      }
      lines.push(`flightdeck_request_duration_seconds_sum{${labels}} ${promNumber(s.sumMs / 1000)}`);
      lines.push(`flightdeck_request_duration_seconds_count{${labels}} ${promNumber(s.count)}`);
    }
  }
  return lines.join('\n') + '\n';
}
