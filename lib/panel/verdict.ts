/**
 * A canary's verdict as one plain sentence — what happened, against what, by which rule, and
 * what it meant for traffic — built from GET /api/v1/deployments/{id}/analysis. The statistics
 * (samples, p-values, the engine's full reason) stay one click away; this is what a person
 * woken at 3 a.m. reads first. Figures use the engine's formatting, so they match the timeline.
 */
import { formatDuration, formatMetricChange, formatMetricValue, formatPercent, type FigureKind } from '../engine/format';

export type AnalysisPoint = {
  at: string;
  elapsedSeconds: number;
  canary: number | null;
  baseline: number | null;
  canaryN: number | null;
  baselineN: number | null;
  pValue: number | null;
  status: string;
};
export type AnalysisSeries = {
  metric: string;
  kind: FigureKind;
  provider: string;
  critical: boolean;
  threshold: number | null;
  maxChange: number | null;
  direction: string;
  points: AnalysisPoint[];
};
export type AnalysisStep = {
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
  series: AnalysisSeries[];
};
export type Analysis = {
  state: string;
  canary: { version: string };
  baseline: { version: string } | null;
  verdict: { cursor: number; verdict: string | null; reason: string | null } | null;
  steps: AnalysisStep[];
};

export type Tone = 'passing' | 'failing' | 'waiting' | 'undecided';

/** The step the panel shows: the one the verdict is about, else the running one, else the last that ran. */
export function currentStep(a: Analysis): AnalysisStep | undefined {
  return (
    a.steps.find((s) => s.cursor === a.verdict?.cursor) ??
    a.steps.find((s) => s.state === 'running') ??
    [...a.steps].reverse().find((s) => s.state !== 'not_started') ??
    a.steps[0]
  );
}

/** How a metric reading stands against its rule: the state the chart colours by. */
export function pointState(series: AnalysisSeries, p: AnalysisPoint | undefined): 'passing' | 'failing' | 'no data' {
  if (!p || p.canary === null) return 'no data';
  if (p.status === 'fail') return 'failing';
  if (p.status === 'no_data') return 'no data';
  return breaks(series, p.canary, p.baseline) ? 'failing' : 'passing';
}

/** Whether a value is past the metric's rule (the allowed change over the baseline, or the absolute limit). */
function breaks(s: AnalysisSeries, canary: number, baseline: number | null): 'change' | 'limit' | null {
  const worse = (x: number, y: number) => (s.direction === 'higher_is_better' ? y - x : x - y);
  if (s.maxChange !== null && baseline !== null && worse(canary, baseline) > s.maxChange) return 'change';
  if (s.threshold !== null && worse(canary, s.threshold) > 0) return 'limit';
  return null;
}

function what(s: AnalysisSeries): string {
  if (s.kind === 'error_rate') return 'of requests failed';
  if (s.kind === 'latency') return s.provider === 'router' ? 'p95 latency' : `${s.metric}`;
  return s.metric;
}

/** "3.8% of requests failed against 0% on v2.2.0" / "p95 latency 420 ms against 120 ms on v2.2.0". */
function comparison(s: AnalysisSeries, p: AnalysisPoint, baselineVersion: string | null): string {
  const on = baselineVersion ? ` on v${baselineVersion}` : '';
  const c = formatMetricValue(s.kind, p.canary);
  const b = formatMetricValue(s.kind, p.baseline);
  if (s.kind === 'error_rate') return `${c} of requests failed against ${b}${on}`;
  return `${what(s)} ${c} against ${b}${on}`;
}

function rule(s: AnalysisSeries, p: AnalysisPoint): string {
  const broken = p.canary === null ? null : breaks(s, p.canary, p.baseline);
  if (broken === 'limit' || (broken === null && s.threshold !== null && s.maxChange === null)) return `past the ${formatMetricValue(s.kind, s.threshold)} limit`;
  return `more than the allowed +${formatMetricChange(s.kind, s.maxChange ?? 0)}`;
}

/** The metric a verdict is about: the failing one, else the first critical one with data. */
function decisive(step: AnalysisStep): { s: AnalysisSeries; p: AnalysisPoint } | null {
  const withLast = step.series.map((s) => ({ s, p: s.points.at(-1) })).filter((x): x is { s: AnalysisSeries; p: AnalysisPoint } => x.p !== undefined);
  return withLast.find((x) => x.p.status === 'fail') ?? withLast.find((x) => x.s.critical && x.p.canary !== null) ?? withLast[0] ?? null;
}

/** The verdict in one sentence, and its tone. */
export function plainVerdict(a: Analysis, deployment: { state: string }): { sentence: string; tone: Tone } {
  const step = currentStep(a);
  const canary = `v${a.canary.version}`;
  const base = a.baseline?.version ?? null;
  const back = base ? `v${base}` : 'no version';
  if (!step) return { sentence: `${canary} has no canary analysis in its plan.`, tone: 'undecided' };
  const d = decisive(step);
  const reverted = deployment.state === 'failed' || deployment.state === 'aborted';
  if (step.verdict === 'abort' && d) {
    const after = formatDuration(step.elapsedSeconds);
    const traffic = reverted ? `so traffic went back to ${back} after ${after}` : `so traffic is going back to ${back}`;
    if (d.s.kind === 'error_rate') return { sentence: `${canary} failed ${formatMetricValue(d.s.kind, d.p.canary)} of requests against ${formatMetricValue(d.s.kind, d.p.baseline)}${base ? ` on v${base}` : ''} — ${rule(d.s, d.p)} — ${traffic}.`, tone: 'failing' };
    return { sentence: `${canary}'s ${comparison(d.s, d.p, base)} — ${rule(d.s, d.p)} — ${traffic}.`, tone: 'failing' };
  }
  if (step.verdict === 'inconclusive') {
    return { sentence: `The evidence on ${canary} was not enough to decide, so the deployment paused for a person: resume for a new window, promote on your word, or abort.`, tone: 'undecided' };
  }
  if (deployment.state === 'succeeded') {
    return { sentence: `${canary} passed every canary step${d ? ` (${comparison(d.s, d.p, base)})` : ''} and now serves all traffic.`, tone: 'passing' };
  }
  if (step.verdict === 'promote' || step.state === 'passed') {
    return { sentence: `${canary} passed at ${formatPercent(step.weight)} of traffic${d ? `: ${comparison(d.s, d.p, base)}` : ''}.`, tone: 'passing' };
  }
  if (reverted) return { sentence: `The deployment of ${canary} stopped before its analysis decided; traffic went back to ${back}.`, tone: 'failing' };
  if (!d || d.p.canary === null) return { sentence: `${canary} takes ${formatPercent(step.weight)} of traffic; waiting for its first measurement against ${back}.`, tone: 'waiting' };
  const left = `${formatDuration(step.remainingSeconds)} of the ${formatDuration(step.windowSeconds)} window left`;
  return { sentence: `So far ${comparison(d.s, d.p, base)} at ${formatPercent(step.weight)} of traffic; ${left}.`, tone: 'waiting' };
}
