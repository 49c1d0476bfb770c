'use client';

import { useQuery } from '@tanstack/react-query';
import { formatMetricChange, formatMetricValue, formatPValue } from '@/lib/engine/format';
import { canaryStepLabel } from '@/lib/panel/words';
import { currentStep, plainVerdict, pointState, type Analysis, type AnalysisSeries, type Tone as VerdictTone } from '@/lib/panel/verdict';
import { getJson } from '../ui/api';
import { Badge, type Tone } from '../ui/badge';
import { ErrorState, Loading, Section } from '../ui/states';
import { fmtDuration } from '../ui/time';
import { CanaryChart, STATE_STYLE } from './canary-chart';

export type { Analysis };

const VERDICT_TONE: Record<string, Tone> = { wait: 'blue', promote: 'green', abort: 'red', inconclusive: 'amber' };
const VERDICT_WORD: Record<string, string> = { wait: 'collecting evidence', promote: 'passed', abort: 'failed', inconclusive: 'inconclusive' };
const SENTENCE_STYLE: Record<VerdictTone, string> = {
  failing: 'border-red-300 bg-red-50 text-red-900 dark:border-red-500/40 dark:bg-red-500/10 dark:text-red-100',
  passing: 'border-emerald-300 bg-emerald-50 text-emerald-900 dark:border-emerald-500/40 dark:bg-emerald-500/10 dark:text-emerald-100',
  waiting: 'border-sky-300 bg-sky-50 text-sky-900 dark:border-sky-500/40 dark:bg-sky-500/10 dark:text-sky-100',
  undecided: 'border-amber-300 bg-amber-50 text-amber-900 dark:border-amber-500/40 dark:bg-amber-500/10 dark:text-amber-100',
};

/**
 * The canary's verdict, first as one plain sentence; then per metric a chart that draws the
 * decision rule itself (the baseline with its allowed change as a band, the absolute limit only
 * where it is the tighter rule), canary points coloured by their state against that rule, and a
 * legend. Samples, p-values and the engine's full reason are one click away under Statistics.
 */
export function CanaryPanel({ deploymentId, active, state }: { deploymentId: string; active: boolean; state: string }) {
  const q = useQuery({
    queryKey: ['analysis', deploymentId],
    queryFn: () => getJson<Analysis>(`/api/v1/deployments/${deploymentId}/analysis`),
    refetchInterval: active ? 2000 : false,
  });
  if (q.isError)
    return (
      <Section title="Canary analysis" testId="canary-panel">
        <ErrorState error={q.error} what="the analysis" />
      </Section>
    );
  if (!q.data)
    return (
      <Section title="Canary analysis" testId="canary-panel">
        <Loading what="the analysis" />
      </Section>
    );
  const a = q.data;
  const step = currentStep(a);
  const verdict = step?.verdict ?? null;
  const plain = plainVerdict(a, { state });
  const total = a.steps.length;
  return (
    <Section
      title={`Canary analysis${step ? ` · ${canaryStepLabel(step, total)}` : ''}`}
      testId="canary-panel"
      id="canary"
      actions={verdict ? <Badge tone={VERDICT_TONE[verdict] ?? 'zinc'} testId="canary-verdict-badge">{VERDICT_WORD[verdict] ?? verdict}</Badge> : undefined}
    >
      <p className={`mb-3 rounded-md border px-3 py-2 text-sm font-medium ${SENTENCE_STYLE[plain.tone]}`} data-testid="canary-verdict">
        {plain.sentence}
      </p>
      {step && (
        <div className="mb-3 text-xs">
          <Meter label="Analysis window" value={step.elapsedSeconds} max={step.windowSeconds} text={`${fmtDuration(step.elapsedSeconds)} of ${fmtDuration(step.windowSeconds)} · ${fmtDuration(step.remainingSeconds)} left`} />
        </div>
      )}
      {step && step.series.length > 0 && (
        <div className="grid gap-3 md:grid-cols-2">
          {step.series.map((s) => (
            <CanaryChart key={s.metric} s={s} windowSeconds={step.windowSeconds} canary={a.canary.version} baseline={a.baseline?.version ?? null} />
          ))}
        </div>
      )}
      {a.steps.length > 1 && (
        <ol className="mt-3 flex flex-wrap gap-2 text-xs" aria-label="Canary steps">
          {a.steps.map((s) => (
            <li key={s.cursor}>
              <Badge tone={s.state === 'passed' ? 'green' : s.state === 'running' ? 'blue' : s.verdict === 'abort' ? 'red' : 'zinc'}>
                {canaryStepLabel(s, total)}: {s.state === 'ended' && s.verdict ? (VERDICT_WORD[s.verdict] ?? s.verdict) : s.state.replace('_', ' ')}
              </Badge>
            </li>
          ))}
        </ol>
      )}
      {step && (
        <details className="mt-3 text-xs" data-testid="canary-stats">
          <summary className="cursor-pointer text-sm font-medium">Statistics</summary>
          <div className="mt-2 space-y-2">
            <div className="grid gap-3 sm:grid-cols-2">
              <Meter label={`Canary requests (v${a.canary.version})`} value={step.samples.canary} max={step.samples.min} text={`${step.samples.canary} of at least ${step.samples.min}`} />
              <Meter label={`Baseline requests${a.baseline ? ` (v${a.baseline.version})` : ''}`} value={step.samples.baseline} max={step.samples.min} text={`${step.samples.baseline} of at least ${step.samples.min}`} />
            </div>
            <ul className="space-y-1 tabular-nums" aria-label="Per metric">
              {step.series.map((s) => (
                <StatRow key={s.metric} s={s} />
              ))}
            </ul>
            {step.reason && (
              <p className="whitespace-pre-wrap break-words text-muted" data-testid="canary-reason">
                Engine: {step.reason}
              </p>
            )}
          </div>
        </details>
      )}
    </Section>
  );
}

function StatRow({ s }: { s: AnalysisSeries }) {
  const last = s.points.at(-1);
  const st = pointState(s, last);
  const rules = [s.maxChange !== null ? `baseline +${formatMetricChange(s.kind, s.maxChange)}` : null, s.threshold !== null ? `limit ${formatMetricValue(s.kind, s.threshold)}` : null].filter(Boolean).join(', ');
  const n = last?.canaryN !== null && last?.canaryN !== undefined ? `, n=${last.canaryN} vs ${last.baselineN ?? 0}` : '';
  const p = last?.pValue !== null && last?.pValue !== undefined ? `, p=${formatPValue(last.pValue)}` : '';
  return (
    <li className="break-words">
      <strong>{s.metric}</strong>
      {!s.critical && <span className="text-muted"> (pauses, never aborts)</span>}: canary {formatMetricValue(s.kind, last?.canary ?? null)} vs baseline {formatMetricValue(s.kind, last?.baseline ?? null)}
      {n}
      {p} · rule: {rules || 'none'} · <span className={STATE_STYLE[st].text}>{st}</span>
    </li>
  );
}

function Meter({ label, value, max, text }: { label: string; value: number; max: number; text: string }) {
  const p = max > 0 ? Math.min(100, (value / max) * 100) : 0;
  return (
    <div>
      <div className="mb-1 text-muted">{label}</div>
      <div className="h-1.5 overflow-hidden rounded bg-zinc-200 dark:bg-zinc-800" role="progressbar" aria-label={label} aria-valuemin={0} aria-valuemax={max} aria-valuenow={Math.min(value, max)}>
        <div className={`h-full ${p >= 100 ? 'bg-emerald-600' : 'bg-sky-600'}`} style={{ width: `${p}%` }} />
      </div>
      <div className="mt-1 tabular-nums">{text}</div>
    </div>
  );
}
