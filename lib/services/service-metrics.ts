/**
 * A service's requests, error rate and p95 latency per version over the last hour or day, with
 * its deployments and rollbacks as markers on the same time axis — for the service page.
 *
 * Two sources, each used only for what it knows: the runtime's own window (recent minutes, per
 * version, with latency histograms) and the per-minute totals the worker stores in
 * `traffic_minutes` (the whole range, all versions together). A bucket the runtime no longer
 * holds is attributed to the version the release history says was live then, when exactly one
 * was; otherwise to no version. Latency exists only where the runtime still holds it.
 */
import type { Db } from '../db/client';
import { getRuntime } from '../runtime/registry';
import type { VersionLatency } from '../runtime/types';
import { resolveEnvironment } from './environments';
import { findServiceOr404 } from './lookup';

export type MetricsRange = '1h' | '24h';

export interface VersionFigures {
  requests: number;
  errors: number;
  errorRate: number | null;
  p95Ms: number | null;
}

export interface MetricsBucket {
  start: string;
  /** Requests per minute over the bucket, all versions. */
  requestsPerMinute: number;
  errorRate: number | null;
  /** Per version (semver); "measured" from the runtime, or "attributed" from the stored totals. */
  byVersion: Record<string, VersionFigures>;
  source: 'runtime' | 'stored' | 'none';
}

export interface MetricsMarker {
  at: string;
  kind: 'deploy' | 'rollback';
  state: string;
  from: string | null;
  to: string;
  deploymentId: string;
}

export interface ServiceMetrics {
  service: string;
  environment: string;
  range: MetricsRange;
  from: string;
  to: string;
  bucketSeconds: number;
  versions: string[];
  buckets: MetricsBucket[];
  markers: MetricsMarker[];
  /** The runtime window: buckets from here on are measured per version. */
  measuredFrom: string | null;
}

const MINUTE = 60_000;
/** How far back the runtimes are asked (the local router keeps 15 minutes). */
const RUNTIME_WINDOW_MS = 15 * MINUTE;

/** The q-quantile of a latency histogram, interpolated inside its bucket; null without samples. */
export function histogramP(l: VersionLatency, q: number): number | null {
  const total = l.counts.reduce((a, b) => a + b, 0);
  if (total === 0) return null;
  const rank = q * total;
  let cum = 0;
  for (let i = 0; i < l.counts.length; i++) {
    const c = l.counts[i]!;
    if (c === 0) continue;
    if (cum + c >= rank) {
      if (i >= l.boundsMs.length) return l.maxMs;
      const lower = i === 0 ? 0 : l.boundsMs[i - 1]!;
      return Math.min(lower + ((l.boundsMs[i]! - lower) * (rank - cum)) / c, l.maxMs);
    }
    cum += c;
  }
  return l.maxMs;
}

/** Recent answers, for callers that accept figures a few seconds old (a page re-rendered on every event). */
const cache = new Map<string, { until: number; value: Promise<ServiceMetrics> }>();

/**
 * getServiceMetrics, answered from a short-lived cache when the same service, environment and
 * range were read less than `maxAgeMs` ago: a page that re-renders on every event then asks the
 * runtime once per few seconds, not once per render.
 */
export function getServiceMetricsCached(db: Db, name: string, opts: { environment: string; range: MetricsRange }, maxAgeMs: number, now = Date.now()): Promise<ServiceMetrics> {
  const key = `${name}\u0000${opts.environment}\u0000${opts.range}`;
  const hit = cache.get(key);
  if (hit && hit.until > now) return hit.value;
  const value = getServiceMetrics(db, name, opts, now);
  cache.set(key, { until: now + maxAgeMs, value });
  value.catch(() => cache.delete(key));
  for (const [k, v] of cache) if (v.until <= now) cache.delete(k);
  return value;
}

export async function getServiceMetrics(db: Db, name: string, opts: { environment?: string | null; range?: MetricsRange } = {}, now = Date.now()): Promise<ServiceMetrics> {
  const service = await findServiceOr404(db, name);
  const env = await resolveEnvironment(db, opts.environment);
  const range: MetricsRange = opts.range === '24h' ? '24h' : '1h';
  const bucketMs = range === '24h' ? 15 * MINUTE : MINUTE;
  const end = Math.ceil(now / bucketMs) * bucketMs;
  const start = end - (range === '24h' ? 24 * 60 : 60) * MINUTE;
  const [versions, history, minutes, deployments] = await Promise.all([
    db.version.findMany({ where: { serviceId: service.id }, select: { id: true, semver: true }, orderBy: { createdAt: 'asc' } }),
    db.releaseHistory.findMany({
      where: { serviceId: service.id, environmentId: env.id, from: { lt: new Date(end) }, OR: [{ until: null }, { until: { gt: new Date(start) } }] },
      select: { versionId: true, from: true, until: true },
    }),
    db.trafficMinute.findMany({ where: { serviceId: service.id, environmentId: env.id, minute: { gte: new Date(start), lt: new Date(end) } } }),
    db.deployment.findMany({
      where: { serviceId: service.id, environmentId: env.id, OR: [{ startedAt: { gte: new Date(start) } }, { createdAt: { gte: new Date(start) } }] },
      include: { toVersion: { select: { semver: true } }, fromVersion: { select: { semver: true } } },
      orderBy: { createdAt: 'asc' },
    }),
  ]);
  const semverOf = new Map(versions.map((v) => [v.id, v.semver]));
  const liveAt = (t: number) => {
    const live = history.filter((h) => h.from.getTime() <= t && (h.until === null || h.until.getTime() > t));
    return live.length === 1 ? (semverOf.get(live[0]!.versionId) ?? null) : null;
  };
  const runtime = getRuntime(env);
  const measuredFrom = runtime ? Math.max(start, Math.floor((now - RUNTIME_WINDOW_MS) / bucketMs) * bucketMs + bucketMs) : null;

  // The runtime's buckets are asked for all at once (one round trip each, in parallel).
  const starts: number[] = [];
  for (let t = start; t < end; t += bucketMs) starts.push(t);
  const measured = await Promise.all(
    starts.map(async (t) => {
      const upto = Math.min(t + bucketMs, now);
      if (measuredFrom === null || t < measuredFrom || !runtime || upto <= t) return null;
      const [traffic, latency] = await Promise.all([
        runtime.traffic(service.name, t, upto).catch(() => null),
        runtime.latency ? runtime.latency(service.name, t, upto).catch(() => null) : Promise.resolve(null),
      ]);
      return traffic ? { traffic, latency } : null;
    }),
  );
  const buckets: MetricsBucket[] = starts.map((t, i) => {
    const upto = Math.min(t + bucketMs, now);
    const minutesIn = Math.max(1, (upto - t) / MINUTE);
    const m = measured[i];
    if (m) {
      const byVersion: Record<string, VersionFigures> = {};
      let requests = 0;
      let errors = 0;
      for (const [versionId, v] of Object.entries(m.traffic)) {
        const semver = semverOf.get(versionId);
        if (!semver || v.requests === 0) continue;
        const l = m.latency?.[versionId];
        byVersion[semver] = { requests: v.requests, errors: v.serverErrors, errorRate: v.serverErrors / v.requests, p95Ms: l ? histogramP(l, 0.95) : null };
        requests += v.requests;
        errors += v.serverErrors;
      }
      return { start: new Date(t).toISOString(), requestsPerMinute: requests / minutesIn, errorRate: requests ? errors / requests : null, byVersion, source: 'runtime' as const };
    }
    const stored = minutes.filter((x) => x.minute.getTime() >= t && x.minute.getTime() < t + bucketMs);
    const requests = stored.reduce((n, x) => n + x.requests, 0);
    const errors = stored.reduce((n, x) => n + x.errors, 0);
    const version = requests > 0 ? liveAt(t + bucketMs / 2) : null;
    return {
      start: new Date(t).toISOString(),
      requestsPerMinute: stored.length ? requests / Math.max(1, stored.length) : 0,
      errorRate: requests ? errors / requests : null,
      byVersion: version ? { [version]: { requests, errors, errorRate: errors / requests, p95Ms: null } } : {},
      source: stored.length ? ('stored' as const) : ('none' as const),
    };
  });
  const shown = new Set(buckets.flatMap((b) => Object.keys(b.byVersion)));
  return {
    service: service.name,
    environment: env.name,
    range,
    from: new Date(start).toISOString(),
    to: new Date(end).toISOString(),
    bucketSeconds: bucketMs / 1000,
    versions: versions.filter((v) => shown.has(v.semver)).map((v) => v.semver),
    buckets,
    markers: deployments
      .filter((d) => d.state !== 'awaiting_approval')
      .map((d) => ({
        at: (d.startedAt ?? d.createdAt).toISOString(),
        kind: d.kind === 'rollback' ? ('rollback' as const) : ('deploy' as const),
        state: d.state,
        from: d.fromVersion?.semver ?? null,
        to: d.toVersion.semver,
        deploymentId: d.id,
      }))
      .filter((m) => Date.parse(m.at) >= start),
    measuredFrom: measuredFrom === null ? null : new Date(measuredFrom).toISOString(),
  };
}
