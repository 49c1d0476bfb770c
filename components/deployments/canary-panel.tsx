'use client';

import { useQuery } from '@tanstack/react-query';
import type { TimelineEvent } from '../realtime/use-timeline';
import { getJson } from '../ui/api';
import { Badge, type Tone } from '../ui/badge';
import { ErrorState, Section } from '../ui/states';
import { fmtDuration } from '../ui/time';

type Point = { at: string; elapsedSeconds: number; canary: number | null; baseline: number | null; canaryN: number; baselineN: number; pValue: number | null; status: string };
type Series = { metric: string; kind: string; provider: string; critical: boolean; threshold: number | null; maxChange: number | null; direction: string; points: Point[] };
type StepView = {
  cursor: number;
  canaryStep: number;
  weight: number;
  state: string;
  windowSeconds: number;
  elapsedSeconds: number;
  remainingSeconds: number;
  samples: { canary: number; baseline: number; min: number };
  verdict: string | null;
  reason: string | null;
  series: Series[];
};
export type Analysis = {
  state: string;
  canary: { version: string };
  baseline: { version: string } | null;
  verdict: { cursor: number; verdict: string | null; reason: string | null } | null;
  steps: StepView[];
};

const VERDICT_TONE: Record<string, Tone> = { wait: 'blue', promote: 'green', abort: 'red', inconclusive: 'amber' };
const VERDICT_WORD: Record<string, string> = { wait: 'collecting evidence', promote: 'passed', abort: 'failed', inconclusive: 'inconclusive' };

function fmtValue(kind: string, v: number | null): string {
  if (v === null || v === undefined) return 'no data';
  if (/error/.test(kind)) return `${(v * 100).toFixed(2)} %`;
  if (/latency|p9|p5/.test(kind)) return `${Math.round(v)} ms`;
  return String(Math.round(v * 1000) / 1000);
}

/**
 * Canary against baseline, per metric, over the step's window: the two lines, the threshold,
 * samples against the minimum, the window elapsed and left, and the running verdict with its reason.
 */
export function CanaryPanel({ deploymentId, active, events }: { deploymentId: string; active: boolean; events: TimelineEvent[] }) {
  const q = useQuery({
    queryKey: ['analysis', deploymentId],
    queryFn: () => getJson<Analysis>(`/api/v1/deployments/${deploymentId}/analysis`),
    refetchInterval: active ? 2000 : false,
  });
  const lastAnalysisEvent = [...events].reverse().find((e) => e.type.startsWith('analysis'));
  if (q.isError) return <Section title="Canary analysis" testId="canary-panel"><ErrorState error={q.error} what="the analysis" /></Section>;
  const a = q.data;
  const step = a ? (a.steps.find((s) => s.cursor === a.verdict?.cursor) ?? a.steps.find((s) => s.state === 'running') ?? [...a.steps].reverse().find((s) => s.state !== 'not_started') ?? a.steps[0]) : undefined;
  const verdict = step?.verdict ?? null;
  return (
    <Section
      title={`Canary analysis${step ? ` · step ${step.canaryStep + 1}/${a!.steps.length} at ${step.weight} %` : ''}`}
      testId="canary-panel"
      actions={verdict ? <Badge tone={VERDICT_TONE[verdict] ?? 'zinc'} testId="canary-verdict-badge">{VERDICT_WORD[verdict] ?? verdict}</Badge> : undefined}
    >
      <p className="mb-3 min-h-10 text-sm" data-testid="canary-verdict">
        {step?.reason ?? lastAnalysisEvent?.message ?? 'Waiting for the first measurement.'}
      </p>
      {step && (
        <div className="mb-3 grid grid-cols-3 gap-3 text-xs">
          <Meter label="Window" value={step.elapsedSeconds} max={step.windowSeconds} text={`${fmtDuration(step.elapsedSeconds)} of ${fmtDuration(step.windowSeconds)} · ${fmtDuration(step.remainingSeconds)} left`} />
          <Meter label={`Canary samples (v${a!.canary.version})`} value={step.samples.canary} max={step.samples.min} text={`${step.samples.canary} / ${step.samples.min} min`} />
          <Meter label={`Baseline samples${a!.baseline ? ` (v${a!.baseline.version})` : ''}`} value={step.samples.baseline} max={step.samples.min} text={`${step.samples.baseline} / ${step.samples.min} min`} />
        </div>
      )}
      {step && step.series.length > 0 && (
        <div className="grid gap-3 md:grid-cols-2">
          {step.series.map((s) => (
            <Chart key={s.metric} s={s} windowSeconds={step.windowSeconds} />
          ))}
        </div>
      )}
      {a && a.steps.length > 1 && (
        <ol className="mt-3 flex flex-wrap gap-2 text-xs">
          {a.steps.map((s) => (
            <li key={s.cursor}>
              <Badge tone={s.state === 'passed' ? 'green' : s.state === 'running' ? 'blue' : s.verdict === 'abort' ? 'red' : 'zinc'}>
                {s.weight} %: {s.state === 'ended' && s.verdict ? (VERDICT_WORD[s.verdict] ?? s.verdict) : s.state.replace('_', ' ')}
              </Badge>
            </li>
          ))}
        </ol>
      )}
    </Section>
  );
}

function Meter({ label, value, max, text }: { label: string; value: number; max: number; text: string }) {
  const p = max > 0 ? Math.min(100, (value / max) * 100) : 0;
  return (
    <div>
      <div className="mb-1 text-zinc-500">{label}</div>
      <div className="h-1.5 overflow-hidden rounded bg-zinc-200 dark:bg-zinc-800">
        <div className={`h-full ${p >= 100 ? 'bg-emerald-500' : 'bg-sky-500'}`} style={{ width: `${p}%` }} />
      </div>
      <div className="mt-1 tabular-nums">{text}</div>
    </div>
  );
}

function Chart({ s, windowSeconds }: { s: Series; windowSeconds: number }) {
  const W = 320;
  const H = 110;
  const pad = { l: 44, r: 8, t: 8, b: 18 };
  const pts = s.points;
  const values = pts.flatMap((p) => [p.canary, p.baseline]).filter((v): v is number => v !== null);
  const maxV = Math.max(s.threshold ?? 0, ...values, /error/.test(s.kind) ? 0.02 : 1) * 1.15;
  const x = (t: number) => pad.l + (Math.min(t, windowSeconds) / windowSeconds) * (W - pad.l - pad.r);
  const y = (v: number) => H - pad.b - (v / maxV) * (H - pad.t - pad.b);
  const line = (key: 'canary' | 'baseline') =>
    pts
      .filter((p) => p[key] !== null)
      .map((p, i) => `${i === 0 ? 'M' : 'L'}${x(p.elapsedSeconds).toFixed(1)},${y(p[key]!).toFixed(1)}`)
      .join(' ');
  const last = pts.at(-1);
  return (
    <figure className="rounded border border-zinc-200 p-2 dark:border-zinc-800" data-testid={`canary-chart-${s.metric}`}>
      <figcaption className="mb-1 flex items-center justify-between text-xs">
        <span className="font-medium">
          {s.metric} {s.critical && <span className="text-red-600">critical</span>}
        </span>
        <span className="tabular-nums text-zinc-500">
          <span className="text-orange-600 dark:text-orange-400">canary {fmtValue(s.kind, last?.canary ?? null)}</span> · baseline {fmtValue(s.kind, last?.baseline ?? null)}
          {last?.pValue !== null && last?.pValue !== undefined && <> · p={last.pValue.toExponential(1)}</>}
        </span>
      </figcaption>
      <svg viewBox={`0 0 ${W} ${H}`} className="w-full" role="img" aria-label={`${s.metric}: canary against baseline over the window`}>
        <line x1={pad.l} y1={H - pad.b} x2={W - pad.r} y2={H - pad.b} className="stroke-zinc-300 dark:stroke-zinc-700" />
        <text x={pad.l - 4} y={pad.t + 8} textAnchor="end" className="fill-zinc-500 text-[9px]">
          {fmtValue(s.kind, maxV)}
        </text>
        <text x={pad.l - 4} y={H - pad.b} textAnchor="end" className="fill-zinc-500 text-[9px]">
          0
        </text>
        <text x={W - pad.r} y={H - 4} textAnchor="end" className="fill-zinc-500 text-[9px]">
          {fmtDuration(windowSeconds)}
        </text>
        {s.threshold !== null && (
          <g>
            <line x1={pad.l} x2={W - pad.r} y1={y(s.threshold)} y2={y(s.threshold)} strokeDasharray="4 3" className="stroke-red-500" />
            <text x={W - pad.r} y={y(s.threshold) - 2} textAnchor="end" className="fill-red-600 text-[9px]">
              threshold {fmtValue(s.kind, s.threshold)}
            </text>
          </g>
        )}
        <path d={line('baseline')} fill="none" strokeWidth={1.5} className="stroke-zinc-500" />
        <path d={line('canary')} fill="none" strokeWidth={2} className="stroke-orange-500" />
        {pts.map((p) => (
          <g key={`pt-${p.at}`}>
            {p.baseline !== null && <circle cx={x(p.elapsedSeconds)} cy={y(p.baseline)} r={1.8} className="fill-zinc-500" />}
            {p.canary !== null && <circle cx={x(p.elapsedSeconds)} cy={y(p.canary)} r={2} className="fill-orange-500" />}
          </g>
        ))}
        {pts
          .filter((p) => p.status === 'fail')
          .map((p) => (
            <circle key={p.at} cx={x(p.elapsedSeconds)} cy={y(p.canary ?? 0)} r={3} className="fill-red-600" />
          ))}
      </svg>
    </figure>
  );
}
