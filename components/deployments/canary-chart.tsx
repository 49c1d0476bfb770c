import { formatMetricChange, formatMetricValue } from '@/lib/engine/format';
import { pointState, type AnalysisSeries } from '@/lib/panel/verdict';
import { fmtDuration } from '../ui/time';

/** Colours by state (never by a metric's settings), each with a shape so colour is not the only cue. */
export const STATE_STYLE = {
  passing: { stroke: 'stroke-emerald-600 dark:stroke-emerald-400', fill: 'fill-emerald-600 dark:fill-emerald-400', text: 'text-emerald-800 dark:text-emerald-300', swatch: 'bg-emerald-600' },
  failing: { stroke: 'stroke-red-600 dark:stroke-red-400', fill: 'fill-red-600 dark:fill-red-400', text: 'text-red-800 dark:text-red-300', swatch: 'bg-red-600' },
  'no data': { stroke: 'stroke-zinc-500', fill: 'fill-zinc-500', text: 'text-muted', swatch: 'bg-zinc-500' },
} as const;

const W = 360;
const H = 150;
const PAD = { l: 50, r: 10, t: 10, b: 20 };

/**
 * One metric over the step's window. The decision rule is drawn: the baseline, the band of the
 * allowed change above it (below it for higher-is-better metrics), clipped by the absolute limit
 * where that is the tighter rule — and the limit drawn only where it applies. The canary's
 * readings are coloured by their state against that rule: passing, failing or no data.
 */
export function CanaryChart({ s, windowSeconds, canary, baseline }: { s: AnalysisSeries; windowSeconds: number; canary: string; baseline: string | null }) {
  const pts = [...s.points].sort((a, b) => a.elapsedSeconds - b.elapsedSeconds);
  const last = pts.at(-1);
  const state = pointState(s, last);
  const higherBetter = s.direction === 'higher_is_better';
  const allowed = (b: number) => (s.maxChange === null ? null : higherBetter ? b - s.maxChange : b + s.maxChange);
  const tighter = (a: number | null, t: number | null) => (a === null ? t : t === null ? a : higherBetter ? Math.max(a, t) : Math.min(a, t));
  const withBase = pts.filter((p) => p.baseline !== null);
  const limits = withBase.map((p) => ({ p, edge: tighter(allowed(p.baseline!), s.threshold) }));
  // The absolute limit applies where it is tighter than the allowed change (or the only rule).
  const thresholdApplies = s.threshold !== null && (s.maxChange === null || withBase.length === 0 || limits.some((l) => l.edge === s.threshold));
  const values = pts.flatMap((p) => [p.canary, p.baseline]).filter((v): v is number => v !== null);
  const edges = limits.map((l) => l.edge).filter((v): v is number => v !== null);
  const floor = s.kind === 'error_rate' ? 0.02 : s.kind === 'latency' ? 10 : 1;
  const maxV = Math.max(floor, ...values, ...edges, thresholdApplies ? s.threshold! : 0) * 1.15;
  const x = (t: number) => PAD.l + (Math.min(Math.max(t, 0), windowSeconds) / windowSeconds) * (W - PAD.l - PAD.r);
  const y = (v: number) => H - PAD.b - (Math.max(0, Math.min(v, maxV)) / maxV) * (H - PAD.t - PAD.b);
  const path = (xs: Array<[number, number]>) => xs.map(([px, py], i) => `${i === 0 ? 'M' : 'L'}${px.toFixed(1)},${py.toFixed(1)}`).join(' ');
  const band =
    limits.length > 0
      ? `${path(limits.map((l) => [x(l.p.elapsedSeconds), y(l.p.baseline!)]))} ${limits
          .slice()
          .reverse()
          .map((l) => `L${x(l.p.elapsedSeconds).toFixed(1)},${y(l.edge ?? l.p.baseline!).toFixed(1)}`)
          .join(' ')} Z`
      : '';
  const single = limits.length === 1 ? limits[0]! : null;
  const canaryPts = pts.filter((p) => p.canary !== null);
  const ruleText = [s.maxChange !== null ? `baseline +${formatMetricChange(s.kind, s.maxChange)}` : null, thresholdApplies ? `limit ${formatMetricValue(s.kind, s.threshold)}` : null].filter(Boolean).join(', ');
  return (
    <figure className="min-w-0 rounded border border-zinc-200 p-2 dark:border-zinc-800" data-testid={`canary-chart-${s.metric}`} data-state={state}>
      <figcaption className="mb-1 flex flex-wrap items-center justify-between gap-2 text-xs">
        <span className="font-medium">{s.metric}</span>
        <span className={`tabular-nums ${STATE_STYLE[state].text}`}>
          {state}: canary {formatMetricValue(s.kind, last?.canary ?? null)} · baseline {formatMetricValue(s.kind, last?.baseline ?? null)}
        </span>
      </figcaption>
      <svg viewBox={`0 0 ${W} ${H}`} className="w-full" role="img" aria-label={`${s.metric}: canary v${canary} against baseline${baseline ? ` v${baseline}` : ''}, rule ${ruleText || 'none'}, now ${state}`}>
        <line x1={PAD.l} y1={H - PAD.b} x2={W - PAD.r} y2={H - PAD.b} className="stroke-zinc-300 dark:stroke-zinc-700" />
        <text x={PAD.l - 4} y={PAD.t + 8} textAnchor="end" className="fill-zinc-600 text-[10px] dark:fill-zinc-400">
          {formatMetricValue(s.kind, maxV)}
        </text>
        <text x={PAD.l - 4} y={H - PAD.b} textAnchor="end" className="fill-zinc-600 text-[10px] dark:fill-zinc-400">
          0
        </text>
        <text x={PAD.l} y={H - 5} className="fill-zinc-600 text-[10px] dark:fill-zinc-400">
          0s
        </text>
        <text x={W - PAD.r} y={H - 5} textAnchor="end" className="fill-zinc-600 text-[10px] dark:fill-zinc-400">
          {fmtDuration(windowSeconds)}
        </text>
        {band && <path d={band} className="fill-emerald-500/15 stroke-none" data-testid={`canary-band-${s.metric}`} />}
        {single && single.edge !== null && (
          <rect x={x(single.p.elapsedSeconds) - 6} width={12} y={y(Math.max(single.edge, single.p.baseline!))} height={Math.abs(y(single.p.baseline!) - y(single.edge))} className="fill-emerald-500/15" />
        )}
        {limits.length > 0 && s.maxChange !== null && (
          <path d={path(limits.map((l) => [x(l.p.elapsedSeconds), y(l.edge ?? l.p.baseline!)]))} fill="none" strokeDasharray="3 2" className="stroke-emerald-700 dark:stroke-emerald-400" strokeWidth={1} />
        )}
        {thresholdApplies && (
          <g data-testid={`canary-limit-${s.metric}`}>
            <line x1={PAD.l} x2={W - PAD.r} y1={y(s.threshold!)} y2={y(s.threshold!)} strokeDasharray="6 3" className="stroke-zinc-700 dark:stroke-zinc-300" />
            <text x={W - PAD.r} y={y(s.threshold!) - 3} textAnchor="end" className="fill-zinc-700 text-[10px] dark:fill-zinc-300">
              limit {formatMetricValue(s.kind, s.threshold)}
            </text>
          </g>
        )}
        <path d={path(withBase.map((p) => [x(p.elapsedSeconds), y(p.baseline!)]))} fill="none" strokeWidth={1.5} className="stroke-zinc-500" />
        <path d={path(canaryPts.map((p) => [x(p.elapsedSeconds), y(p.canary!)]))} fill="none" strokeWidth={2} className={STATE_STYLE[state].stroke} />
        {canaryPts.map((p) => {
          const st = pointState(s, p);
          const cx = x(p.elapsedSeconds);
          const cy = y(p.canary!);
          return st === 'failing' ? (
            <path key={p.at} d={`M${cx - 4},${cy + 3.5} L${cx + 4},${cy + 3.5} L${cx},${cy - 4} Z`} className={STATE_STYLE.failing.fill} />
          ) : (
            <circle key={p.at} cx={cx} cy={cy} r={2.5} className={STATE_STYLE[st].fill} />
          );
        })}
        {canaryPts.length === 0 && (
          <text x={(W + PAD.l) / 2} y={H / 2} textAnchor="middle" className="fill-zinc-600 text-[11px] dark:fill-zinc-400">
            no data yet
          </text>
        )}
      </svg>
      <ul className="mt-1 flex flex-wrap gap-x-3 gap-y-1 text-[11px] text-muted" data-testid={`canary-legend-${s.metric}`} aria-label={`Legend for ${s.metric}`}>
        <li className="flex items-center gap-1">
          <span className={`inline-block h-0.5 w-4 ${STATE_STYLE[state].swatch}`} aria-hidden /> canary v{canary} ({state})
        </li>
        <li className="flex items-center gap-1">
          <span className="inline-block h-0.5 w-4 bg-zinc-500" aria-hidden /> baseline{baseline ? ` v${baseline}` : ''}
        </li>
        {s.maxChange !== null && (
          <li className="flex items-center gap-1">
            <span className="inline-block h-2.5 w-4 bg-emerald-500/25 ring-1 ring-inset ring-emerald-700/50" aria-hidden /> allowed: baseline {s.direction === 'higher_is_better' ? '−' : '+'}
            {formatMetricChange(s.kind, s.maxChange)}
          </li>
        )}
        {thresholdApplies && (
          <li className="flex items-center gap-1">
            <span className="inline-block w-4 border-t-2 border-dashed border-zinc-700 dark:border-zinc-300" aria-hidden /> limit {formatMetricValue(s.kind, s.threshold)}
          </li>
        )}
        <li className="flex items-center gap-1">▲ failing · ● passing</li>
      </ul>
    </figure>
  );
}
