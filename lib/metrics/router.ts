/**
 * The built-in provider: the router's own per-version counts and latency histograms, canary
 * and stable over exactly the same window. Error rate comes with its counts (for the
 * two-proportion test), latency with its histogram (for Mann–Whitney U).
 */
import type { CohortReading, MetricReading, MetricSpec } from '../engine/analysis';
import { histogramQuantile } from '../runtime/local/metrics';
import type { VersionLatency, VersionTraffic } from '../runtime/types';
import type { MeasureContext } from './types';

export interface RouterSnapshot {
  traffic: Record<string, VersionTraffic>;
  latency: Record<string, VersionLatency> | null;
}

export async function routerSnapshot(ctx: MeasureContext): Promise<RouterSnapshot> {
  const [traffic, latency] = await Promise.all([
    ctx.runtime.traffic(ctx.service, ctx.fromMs, ctx.toMs),
    ctx.runtime.latency ? ctx.runtime.latency(ctx.service, ctx.fromMs, ctx.toMs) : Promise.resolve(null),
  ]);
  return { traffic, latency };
}

function errorCohort(snap: RouterSnapshot, versionId: string | undefined): CohortReading {
  const t = versionId ? snap.traffic[versionId] : undefined;
  const requests = t?.requests ?? 0;
  // Only 5xx count against a version: a 404 is the client's doing.
  const errors = t?.serverErrors ?? 0;
  return { value: requests > 0 ? errors / requests : null, requests, errors };
}

function latencyCohort(snap: RouterSnapshot, versionId: string | undefined, percentile: number): CohortReading {
  const l = versionId && snap.latency ? snap.latency[versionId] : undefined;
  if (!l) return { value: null, histogram: undefined };
  const n = l.counts.reduce((a, b) => a + b, 0);
  return { value: n > 0 ? histogramQuantile(l.counts, percentile / 100, l.maxMs) : null, histogram: l.counts };
}

export function readRouterMetric(metric: MetricSpec, snap: RouterSnapshot, ctx: MeasureContext): MetricReading {
  const c = ctx.canary.versionId;
  const b = ctx.baseline?.versionId;
  if (metric.kind === 'error_rate') return { name: metric.name, canary: errorCohort(snap, c), baseline: errorCohort(snap, b) };
  if (metric.kind === 'latency') {
    if (!snap.latency) return { name: metric.name, canary: { value: null }, baseline: { value: null }, error: 'this runtime reports no latency histograms' };
    const p = metric.percentile ?? 95;
    const canary = latencyCohort(snap, c, p);
    const baseline = latencyCohort(snap, b, p);
    // Both cohorts need histograms over the same bins for the rank test.
    const zeros = (h?: number[]) => h ?? new Array<number>((canary.histogram ?? baseline.histogram ?? []).length).fill(0);
    return { name: metric.name, canary: { ...canary, histogram: zeros(canary.histogram) }, baseline: { ...baseline, histogram: zeros(baseline.histogram) } };
  }
  return { name: metric.name, canary: { value: null }, baseline: { value: null }, error: `the router does not measure ${metric.kind} metrics` };
}
