/**
 * How every figure people read is written — the engine's reasons (timeline, analysis verdicts)
 * and the panel alike — so one number reads the same everywhere: "3.8%", "+2.8 points",
 * "p=6e-4", "120 ms", "4m 11s". A leaf module: it imports nothing.
 */

/** 0.052 → "5.2%", 0.001 → "0.1%", 0.00125 → "0.13%". */
export function formatRate(rate: number | null): string {
  return rate === null ? 'n/a' : `${Number((rate * 100).toFixed(2))}%`;
}

/** A traffic share in whole percent: 10 → "10%". */
export function formatPercent(percent: number): string {
  return `${Number(percent.toFixed(1))}%`;
}

/** A change of a rate, in percentage points: 0.01 → "1 point", 0.0373 → "3.73 points". */
export function formatRateChange(change: number): string {
  const n = Number((change * 100).toFixed(2));
  return `${n} point${Math.abs(n) === 1 ? '' : 's'}`;
}

/** 3.1e-12 → "3e-12", 0.2134 → "0.21"; an underflowed 0 → "<1e-300". */
export function formatPValue(p: number | null): string {
  if (p === null) return 'n/a';
  if (p === 0) return '<1e-300';
  if (p < 0.001) return p.toExponential(0);
  return String(Number(p.toPrecision(2)));
}

/** Milliseconds: 1.25 → "1.3 ms", 120 → "120 ms". */
export function formatMs(ms: number): string {
  return `${Number(ms.toFixed(1))} ms`;
}

export type FigureKind = 'error_rate' | 'latency' | 'custom';

/** A metric's value in its unit; null is "no data". */
export function formatMetricValue(kind: FigureKind, v: number | null): string {
  if (v === null) return 'no data';
  if (kind === 'error_rate') return formatRate(v);
  if (kind === 'latency') return formatMs(v);
  return String(Number(v.toPrecision(4)));
}

/** A change of a metric in its unit, without a sign: error rates in points, latency in ms. */
export function formatMetricChange(kind: FigureKind, v: number): string {
  if (kind === 'error_rate') return formatRateChange(v);
  if (kind === 'latency') return formatMs(v);
  return String(Number(v.toPrecision(4)));
}

/** Seconds as people say them: 42 → "42s", 251 → "4m 11s", 7260 → "2h 01m", 90000 → "1d 1h". */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  return `${Math.floor(s / 86400)}d ${Math.floor((s % 86400) / 3600)}h`;
}

/** A count with thousands grouped: 12345 → "12,345". */
export function formatCount(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}
