/**
 * Canary analysis: the verdict over one analysis step. Pure: the config, measurements and
 * `now` come in, a decision goes out. (The config itself — its schema, defaults and checks —
 * is in analysis-config.ts.)
 *
 * The rules:
 *  - promote ONLY when the step's window has fully elapsed, both cohorts have ≥ minSamples
 *    requests, every metric has data and no metric failed;
 *  - abort as soon as a CRITICAL metric shows significant, material harm — error rate by a
 *    one-sided exact conditional binomial test against the baseline (the two-proportion test,
 *    exact where errors are rare), latency by a one-sided Mann–Whitney U
 *    test on the latency histograms — or, once the window is complete, breaches its threshold;
 *  - inconclusive (pause for a person) when the window has elapsed without enough samples,
 *    with a metric missing data, or with a non-critical metric failed. Missing data never
 *    promotes and never silently passes.
 *
 * Value-only metrics (Prometheus, web, or anything without per-request samples) cannot be
 * tested for significance; they are judged against their threshold / allowed change, at the
 * window's end, or earlier when the threshold was breached on EARLY_BREACHES evaluations in a
 * row (a single noisy reading does not abort).
 */
import { conditionalBinomialTest, mannWhitneyBinned } from './stats';
import { CANARY_EARLY_ABORT_MIN_ERRORS, CANARY_PRACTICAL_MARGIN, DEFAULT_LATENCY_MAX_CHANGE_MS, DEFAULT_LATENCY_PERCENTILE, EARLY_BREACHES, LATENCY_EARLY_MIN_SAMPLES } from './constants';
import { formatMetricChange, formatMetricValue, formatPValue } from './format';
import { invalid, isFiniteNumber, isInteger, show } from './validate';
import type { AnalysisConfig, MetricKind, MetricSpec, ProviderName } from './analysis-config';

// The config's API, for modules that import the whole of canary analysis from here.
export { defaultMetrics, validateAnalysisConfig, type AnalysisConfig, type MetricSpec, type Webhook } from './analysis-config';

/** One cohort's reading of one metric. */
export interface CohortReading {
  /** The metric's value (error rate 0..1, latency in ms, or the custom value); null = no data. */
  value: number | null;
  /** error_rate from the router: the counts behind the value. */
  requests?: number;
  errors?: number;
  /** latency from the router: histogram counts, bins in increasing latency order. */
  histogram?: number[];
}

export interface MetricReading {
  name: string;
  canary: CohortReading;
  baseline: CohortReading;
  /** Why the provider could not answer (connection refused, empty result…). */
  error?: string;
}

export type MetricStatus = 'pass' | 'fail' | 'pending' | 'no_data';

export interface MetricResult {
  name: string;
  kind: MetricKind;
  provider: ProviderName;
  critical: boolean;
  status: MetricStatus;
  canary: number | null;
  baseline: number | null;
  /** Observations behind each value when known (requests, or latency samples). */
  canaryN: number | null;
  baselineN: number | null;
  pValue: number | null;
  /** Threshold breached on this evaluation (value-only metrics count these in a row). */
  breached: boolean;
  reason: string;
}

export type AnalysisVerdict = 'wait' | 'promote' | 'abort' | 'inconclusive';

export interface AnalysisDecision {
  verdict: AnalysisVerdict;
  reason: string;
  remainingSeconds: number;
  elapsedSeconds: number;
  windowSeconds: number;
  samples: { canary: number; baseline: number; min: number };
  metrics: MetricResult[];
  /** The metric that decided an abort or an inconclusive end, if one did. */
  decisive: string | null;
}

export interface AnalysisInput {
  startedAt: number;
  now: number;
  windowSeconds: number;
  minSamples: number;
  /** Requests per cohort over the window (from the router), for the minimum-samples rule. */
  samples: { canary: number; baseline: number };
  config: AnalysisConfig;
  readings: MetricReading[];
  /** Value-only metrics: threshold breaches in a row BEFORE this evaluation. */
  priorBreaches?: Record<string, number>;
}

const fmt = formatMetricValue;
const fmtChange = formatMetricChange;

function sum(xs: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i]!;
  return s;
}

function judge(m: MetricSpec, r: MetricReading | undefined, input: AnalysisInput, windowElapsed: boolean, enoughSamples: boolean): MetricResult {
  const alpha = input.config.alpha;
  const base: MetricResult = {
    name: m.name,
    kind: m.kind,
    provider: m.provider,
    critical: m.critical,
    status: 'pending',
    canary: r?.canary.value ?? null,
    baseline: r?.baseline.value ?? null,
    canaryN: null,
    baselineN: null,
    pValue: null,
    breached: false,
    reason: '',
  };
  const label = `${m.name}${m.critical ? '' : ' (non-critical)'}`;
  if (!r || r.error) {
    return { ...base, status: 'no_data', reason: `${label}: no data${r?.error ? ` (${r.error})` : ' (the provider returned nothing)'}` };
  }
  const c = base.canary;
  const b = base.baseline;
  const worse = (x: number, y: number) => (m.direction === 'lower_is_better' ? x - y : y - x);
  const overThreshold = c !== null && m.threshold !== undefined && (m.direction === 'lower_is_better' ? c > m.threshold : c < m.threshold);
  const what = m.kind === 'error_rate' ? 'error rate ' : m.kind === 'latency' ? `${m.provider === 'router' ? `p${m.percentile ?? DEFAULT_LATENCY_PERCENTILE} ` : ''}latency ` : '';
  const cmp = `canary ${what}${fmt(m.kind, c)} vs baseline ${fmt(m.kind, b)}`;

  // ---------------- statistical metrics (router samples) ----------------
  if (m.provider === 'router' && m.kind === 'error_rate') {
    const cn = r.canary.requests ?? 0;
    const bn = r.baseline.requests ?? 0;
    const ce = r.canary.errors ?? 0;
    const be = r.baseline.errors ?? 0;
    const p = cn > 0 && bn > 0 ? conditionalBinomialTest(ce, cn, be, bn).pValue : null;
    const res = { ...base, canaryN: cn, baselineN: bn, pValue: p, breached: overThreshold };
    const full = `${cmp} (n=${cn} vs ${bn}${p === null ? '' : `, p=${formatPValue(p)}`})`;
    if (c === null || b === null) return { ...res, status: 'no_data', reason: `${label}: ${full}: a cohort has no requests` };
    const change = c - b;
    const material = change > (m.maxChange ?? CANARY_PRACTICAL_MARGIN);
    const trustworthy = enoughSamples || ce >= CANARY_EARLY_ABORT_MIN_ERRORS;
    if (p !== null && p < alpha && material && trustworthy) {
      return { ...res, status: 'fail', reason: `${label}: ${full} < ${alpha}; +${fmtChange(m.kind, change)} exceeds the allowed +${fmtChange(m.kind, m.maxChange ?? 0)}` };
    }
    if (windowElapsed && enoughSamples && overThreshold) {
      return { ...res, status: 'fail', reason: `${label}: ${full}; the canary exceeds the ${fmt(m.kind, m.threshold!)} threshold` };
    }
    return { ...res, status: windowElapsed ? 'pass' : 'pending', reason: `${label}: ${full}` };
  }
  if (m.provider === 'router' && m.kind === 'latency' && r.canary.histogram && r.baseline.histogram) {
    const t = mannWhitneyBinned(r.canary.histogram, r.baseline.histogram);
    const cn = sum(r.canary.histogram);
    const bn = sum(r.baseline.histogram);
    const p = cn > 0 && bn > 0 ? t.pValue : null;
    const res = { ...base, canaryN: cn, baselineN: bn, pValue: p, breached: overThreshold };
    const full = `${cmp} (n=${cn} vs ${bn}${p === null ? '' : `, Mann–Whitney p=${formatPValue(p)}`})`;
    if (c === null || b === null || cn === 0 || bn === 0) return { ...res, status: 'no_data', reason: `${label}: ${full}: a cohort has no latency samples` };
    const change = worse(c, b);
    const material = change > (m.maxChange ?? DEFAULT_LATENCY_MAX_CHANGE_MS);
    const trustworthy = enoughSamples || cn >= LATENCY_EARLY_MIN_SAMPLES;
    if (p !== null && p < alpha && material && trustworthy) {
      return { ...res, status: 'fail', reason: `${label}: ${full} < ${alpha}; +${fmtChange(m.kind, change)} exceeds the allowed +${fmtChange(m.kind, m.maxChange ?? 0)}` };
    }
    if (windowElapsed && enoughSamples && overThreshold) {
      return { ...res, status: 'fail', reason: `${label}: ${full}; the canary exceeds the ${fmt(m.kind, m.threshold!)} threshold` };
    }
    return { ...res, status: windowElapsed ? 'pass' : 'pending', reason: `${label}: ${full}` };
  }

  // ---------------- value-only metrics ----------------
  const res = { ...base, breached: overThreshold };
  if (c === null) return { ...res, status: 'no_data', reason: `${label}: the canary value is missing (${cmp})` };
  const needsBaseline = m.maxChange !== undefined;
  if (needsBaseline && b === null) return { ...res, status: 'no_data', reason: `${label}: the baseline value is missing, the allowed change cannot be judged (${cmp})` };
  const changeBreached = needsBaseline && b !== null && worse(c, b) > m.maxChange!;
  const breaches = (input.priorBreaches?.[m.name] ?? 0) + (overThreshold ? 1 : 0);
  if (overThreshold && (windowElapsed || breaches >= EARLY_BREACHES)) {
    const when = windowElapsed ? '' : ` on ${breaches} evaluations in a row`;
    return { ...res, status: 'fail', reason: `${label}: ${cmp}; the canary is past the ${fmt(m.kind, m.threshold!)} threshold${when}` };
  }
  if (windowElapsed && changeBreached) {
    return { ...res, status: 'fail', reason: `${label}: ${cmp}; a change of ${fmtChange(m.kind, worse(c, b!))} exceeds the allowed ${fmtChange(m.kind, m.maxChange!)}` };
  }
  return { ...res, status: windowElapsed ? 'pass' : 'pending', reason: `${label}: ${cmp}` };
}

/** Decide one analysis step from this evaluation's readings. */
export function evaluateAnalysis(input: AnalysisInput): AnalysisDecision {
  const { windowSeconds, minSamples, samples } = input;
  if (!isFiniteNumber(windowSeconds) || windowSeconds <= 0) invalid(`analysis windowSeconds must be > 0, got ${show(windowSeconds)}`, { field: 'windowSeconds', value: windowSeconds });
  if (!isInteger(minSamples) || minSamples < 1) invalid(`analysis minSamples must be an integer ≥ 1, got ${show(minSamples)}`, { field: 'minSamples', value: minSamples });
  const elapsedSeconds = Math.max(0, input.now - input.startedAt) / 1000;
  const windowElapsed = elapsedSeconds >= windowSeconds;
  const remainingSeconds = Math.max(0, Math.ceil(windowSeconds - elapsedSeconds));
  const enoughSamples = samples.canary >= minSamples && samples.baseline >= minSamples;
  const metrics = input.config.metrics.map((m) =>
    judge(m, input.readings.find((r) => r.name === m.name), input, windowElapsed, enoughSamples),
  );
  const win = `${Number(windowSeconds.toFixed(3))} s window`;
  const decide = (verdict: AnalysisVerdict, reason: string, decisive: string | null = null): AnalysisDecision => ({
    verdict,
    reason,
    remainingSeconds,
    elapsedSeconds,
    windowSeconds,
    samples: { canary: samples.canary, baseline: samples.baseline, min: minSamples },
    metrics,
    decisive,
  });

  const criticalFail = metrics.find((r) => r.status === 'fail' && r.critical);
  if (criticalFail) {
    const when = windowElapsed ? '' : `; aborting with ${remainingSeconds} s of the ${win} left`;
    return decide('abort', `${criticalFail.reason}${when}`, criticalFail.name);
  }
  const shortfall = [
    samples.canary < minSamples ? `canary n=${samples.canary} of ${minSamples}` : null,
    samples.baseline < minSamples ? `baseline n=${samples.baseline} of ${minSamples}` : null,
  ].filter((s): s is string => s !== null);

  if (windowElapsed) {
    if (!enoughSamples) {
      return decide('inconclusive', `the ${win} has elapsed with too few requests (${shortfall.join(', ')} required); not promoting on missing data`);
    }
    const missing = metrics.find((r) => r.status === 'no_data');
    if (missing) return decide('inconclusive', `the ${win} has elapsed but ${missing.reason}; not promoting on missing data`, missing.name);
    const softFail = metrics.find((r) => r.status === 'fail');
    if (softFail) return decide('inconclusive', `the ${win} has elapsed and ${softFail.reason}; a person decides`, softFail.name);
    return decide(
      'promote',
      `the ${win} has elapsed, both cohorts have ≥ ${minSamples} requests (canary ${samples.canary}, baseline ${samples.baseline}) and every metric passed: ${metrics.map((r) => r.reason).join('; ')}`,
    );
  }
  const need = shortfall.length ? `; still short of samples: ${shortfall.join(', ')}` : `; both cohorts have ≥ ${minSamples} requests`;
  return decide('wait', `${remainingSeconds} s of the ${win} remaining${need}; ${metrics.map((r) => r.reason).join('; ')}`);
}
