import Link from 'next/link';
import type { MetricsBucket, ServiceMetrics } from '@/lib/services/service-metrics';
import { formatMs, formatRate } from '@/lib/engine/format';
import { versionArrow } from '@/lib/panel/words';

/** Line styles per version: colour and dash, so versions stay apart without colour too. */
const SERIES = [
  { stroke: 'stroke-sky-700 dark:stroke-sky-300', swatch: 'border-sky-700 dark:border-sky-300', dash: undefined },
  { stroke: 'stroke-violet-700 dark:stroke-violet-300', swatch: 'border-violet-700 dark:border-violet-300', dash: '6 3' },
  { stroke: 'stroke-amber-700 dark:stroke-amber-300', swatch: 'border-amber-700 dark:border-amber-300', dash: '2 2' },
  { stroke: 'stroke-emerald-700 dark:stroke-emerald-300', swatch: 'border-emerald-700 dark:border-emerald-300', dash: '8 2 2 2' },
];

const W = 420;
const H = 120;
const PAD = { l: 58, r: 8, t: 14, b: 18 };

type Pick = (b: MetricsBucket, version: string | null) => number | null;

/** A version's requests per minute in a bucket: its share of the bucket's requests; all versions for null. */
function requestsOf(b: MetricsBucket, version: string | null): number | null {
  if (version === null) return b.requestsPerMinute;
  const f = b.byVersion[version];
  if (!f) return null;
  const sum = Object.values(b.byVersion).reduce((n, x) => n + x.requests, 0);
  return sum > 0 ? (b.requestsPerMinute * f.requests) / sum : 0;
}

const CHARTS: Array<{ key: string; title: string; fmt: (v: number) => string; pick: Pick; floor: number; total?: boolean }> = [
  { key: 'requests', title: 'Requests per minute', fmt: (v) => String(Math.round(v)), pick: requestsOf, floor: 1, total: true },
  { key: 'errors', title: 'Error rate (5xx)', fmt: (v) => formatRate(v), pick: (b, v) => (v === null ? b.errorRate : (b.byVersion[v]?.errorRate ?? null)), floor: 0.01 },
  { key: 'latency', title: 'p95 latency', fmt: (v) => formatMs(v), pick: (b, v) => (v === null ? null : (b.byVersion[v]?.p95Ms ?? null)), floor: 10 },
];

/** "14:05" (UTC) for an axis label. */
function clock(iso: string): string {
  return new Date(iso).toISOString().slice(11, 16);
}

/**
 * Requests, error rate and p95 latency per version over the range, each a small chart on one
 * time axis, with every deployment (▲) and rollback (↶) marked where it started. Times are UTC.
 */
export function TrafficCharts({ m }: { m: ServiceMetrics }) {
  const from = Date.parse(m.from);
  const to = Date.parse(m.to);
  const x = (t: number) => PAD.l + ((t - from) / (to - from)) * (W - PAD.l - PAD.r);
  const hasData = m.buckets.some((b) => b.source !== 'none');
  return (
    <div className="space-y-2" data-testid="service-metrics">
      {!hasData && <p className="text-sm text-muted">No traffic recorded in {m.environment} over this range.</p>}
      <div className="grid gap-3 md:grid-cols-3">
        {CHARTS.map((c) => {
          const lines = m.versions.map((v, i) => ({ v, style: SERIES[i % SERIES.length]!, pts: m.buckets.map((b) => ({ t: Date.parse(b.start) + m.bucketSeconds * 500, y: c.pick(b, v) })) }));
          const total = c.total ? m.buckets.map((b) => ({ t: Date.parse(b.start) + m.bucketSeconds * 500, y: b.source === 'none' ? null : c.pick(b, null) })) : null;
          const all = [...lines.flatMap((l) => l.pts), ...(total ?? [])].map((p) => p.y).filter((v): v is number => v !== null);
          const maxV = Math.max(c.floor, ...all) * 1.15;
          const y = (v: number) => H - PAD.b - (v / maxV) * (H - PAD.t - PAD.b);
          const path = (pts: Array<{ t: number; y: number | null }>) => {
            let d = '';
            let pen = false;
            for (const p of pts) {
              if (p.y === null) {
                pen = false;
                continue;
              }
              d += `${pen ? 'L' : 'M'}${x(p.t).toFixed(1)},${y(p.y).toFixed(1)} `;
              pen = true;
            }
            return d.trim();
          };
          const latest = lines.flatMap((l) => l.pts.filter((p) => p.y !== null).slice(-1).map((p) => `v${l.v} ${c.fmt(p.y!)}`));
          return (
            <figure key={c.key} className="min-w-0" data-testid={`service-chart-${c.key}`}>
              <figcaption className="mb-1 flex flex-wrap justify-between gap-x-2 text-xs">
                <span className="font-medium">{c.title}</span>
                <span className="tabular-nums text-muted">{latest.join(' · ') || 'no data'}</span>
              </figcaption>
              <svg viewBox={`0 0 ${W} ${H}`} className="w-full" role="img" aria-label={`${c.title} per version over the last ${m.range === '24h' ? 24 : 1} hour${m.range === '24h' ? 's' : ''}: ${latest.join(', ') || 'no data'}`}>
                <line x1={PAD.l} x2={W - PAD.r} y1={H - PAD.b} y2={H - PAD.b} className="stroke-zinc-300 dark:stroke-zinc-700" />
                <text x={PAD.l - 4} y={PAD.t + 6} textAnchor="end" className="fill-zinc-600 text-[10px] dark:fill-zinc-400">
                  {c.fmt(maxV)}
                </text>
                <text x={PAD.l - 4} y={H - PAD.b} textAnchor="end" className="fill-zinc-600 text-[10px] dark:fill-zinc-400">
                  0
                </text>
                {[from, (from + to) / 2, to].map((t, i) => (
                  <text key={t} x={x(t)} y={H - 4} textAnchor={i === 0 ? 'start' : i === 2 ? 'end' : 'middle'} className="fill-zinc-600 text-[10px] dark:fill-zinc-400">
                    {clock(new Date(t).toISOString())}
                  </text>
                ))}
                {m.markers.map((mk) => (
                  <g key={mk.deploymentId} data-testid={`marker-${mk.kind}`}>
                    <line x1={x(Date.parse(mk.at))} x2={x(Date.parse(mk.at))} y1={PAD.t - 4} y2={H - PAD.b} strokeDasharray="2 2" className={mk.kind === 'rollback' ? 'stroke-amber-700 dark:stroke-amber-300' : 'stroke-zinc-600 dark:stroke-zinc-400'} />
                    <text x={x(Date.parse(mk.at))} y={PAD.t - 5} textAnchor="middle" className={`text-[10px] ${mk.kind === 'rollback' ? 'fill-amber-800 dark:fill-amber-300' : 'fill-zinc-700 dark:fill-zinc-300'}`}>
                      {mk.kind === 'rollback' ? '↶' : '▲'}
                    </text>
                  </g>
                ))}
                {total && <path d={path(total)} fill="none" strokeWidth={1} className="stroke-zinc-400 dark:stroke-zinc-600" />}
                {lines.map((l) => (
                  <path key={l.v} d={path(l.pts)} fill="none" strokeWidth={1.75} strokeDasharray={l.style.dash} className={l.style.stroke} />
                ))}
              </svg>
            </figure>
          );
        })}
      </div>
      <ul className="flex flex-wrap gap-x-4 gap-y-1 text-xs text-muted" data-testid="service-metrics-legend">
        {m.versions.map((v, i) => (
          <li key={v} className="flex items-center gap-1">
            <span className={`inline-block w-5 border-t-2 ${SERIES[i % SERIES.length]!.swatch}`} style={{ borderStyle: SERIES[i % SERIES.length]!.dash ? 'dashed' : 'solid' }} aria-hidden /> v{v}
          </li>
        ))}
        <li className="flex items-center gap-1">
          <span className="inline-block w-5 border-t border-zinc-400" aria-hidden /> all versions
        </li>
        <li>▲ deployment · ↶ rollback (times UTC)</li>
        {m.measuredFrom && <li>latency and per-version split measured from {clock(m.measuredFrom)}; earlier buckets show the version live then</li>}
      </ul>
      {m.markers.length > 0 && (
        <ol className="flex flex-wrap gap-x-4 gap-y-1 text-xs" aria-label="Deployments in this range">
          {m.markers.map((mk) => (
            <li key={mk.deploymentId}>
              <Link href={`/deployments/${mk.deploymentId}`} prefetch={false} className="hover:underline">
                {mk.kind === 'rollback' ? '↶' : '▲'} {clock(mk.at)} {mk.kind === 'rollback' ? 'rollback' : 'deploy'} {versionArrow(mk.from, mk.to)} ({mk.state})
              </Link>
            </li>
          ))}
        </ol>
      )}
    </div>
  );
}
