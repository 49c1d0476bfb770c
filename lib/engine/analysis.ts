/**
 * Canary analysis: the configuration (which metrics, from which provider, judged how) and the
 * verdict over one analysis step. Pure: measurements and `now` come in, a decision goes out.
 *
 * The rules (SPEC.md, "Canary analysis"):
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
import { AppError } from '../errors/app-error';
import { conditionalBinomialTest, mannWhitneyBinned } from './stats';
import { formatPValue, formatRate, CANARY_ALPHA, CANARY_EARLY_ABORT_MIN_ERRORS, CANARY_MAX_ERROR_RATE, CANARY_PRACTICAL_MARGIN } from './canary';
import { isFiniteNumber, isInteger, show } from './validate';

export type MetricKind = 'error_rate' | 'latency' | 'custom';
export type ProviderName = 'router' | 'prometheus' | 'web';
export type Direction = 'lower_is_better' | 'higher_is_better';

export interface MetricSpec {
  /** Unique within the config; names the metric on the timeline and in the API. */
  name: string;
  kind: MetricKind;
  provider: ProviderName;
  /** latency (router): which percentile the value is, 50..99.9 (default 95). */
  percentile?: number;
  /** prometheus: PromQL, templated with {{service}}, {{version}}, {{versionId}}, {{cohort}}, {{window}}. */
  query?: string;
  /** prometheus: base URL of the server, e.g. http://127.0.0.1:9090 */
  address?: string;
  /** web: URL returning JSON, templated like `query`. */
  url?: string;
  /** web: where the number is in the JSON, e.g. "data.errorRate" or "results[0].value". */
  path?: string;
  direction: Direction;
  /** Absolute bound: a ceiling (lower_is_better) or a floor (higher_is_better) for the canary. */
  threshold?: number;
  /** Allowed change against the baseline in the harmful direction, in the metric's unit. */
  maxChange?: number;
  /** A failed critical metric aborts; a failed non-critical one pauses for a person. */
  critical: boolean;
}

export interface Webhook {
  url: string;
  /** 'json': Flightdeck's own payload; 'slack': {text, blocks} for Slack-compatible incoming webhooks. */
  format: 'json' | 'slack';
}

export interface AnalysisConfig {
  metrics: MetricSpec[];
  /** Default window per canary step (the canary params' windowSeconds wins when both are set). */
  windowSeconds?: number;
  /** Default minimum requests per cohort. */
  minSamples?: number;
  /** Seconds between two evaluations (default: the orchestrator's, 10). */
  intervalSeconds?: number;
  /** Significance level of the harm tests (default 0.001). */
  alpha: number;
  webhooks: Webhook[];
}

export const ANALYSIS_KEYS = ['metrics', 'windowSeconds', 'minSamples', 'intervalSeconds', 'alpha', 'webhooks'] as const;
const METRIC_KEYS = ['name', 'kind', 'provider', 'percentile', 'query', 'address', 'url', 'path', 'direction', 'threshold', 'maxChange', 'critical'] as const;
const WEBHOOK_KEYS = ['url', 'format'] as const;

export const DEFAULT_INTERVAL_SECONDS = 10;
/** Latency: added milliseconds at the percentile tolerated before a significant slowdown counts. */
export const DEFAULT_LATENCY_MAX_CHANGE_MS = 100;
/** Early latency abort needs at least this many canary observations. */
export const LATENCY_EARLY_MIN_SAMPLES = 30;
/** Value-only metrics: consecutive threshold breaches that abort before the window ends. */
export const EARLY_BREACHES = 3;

/** The metrics analysed when a service configures none: router error rate and p95 latency. */
export function defaultMetrics(maxErrorRate = CANARY_MAX_ERROR_RATE): MetricSpec[] {
  return [
    { name: 'error-rate', kind: 'error_rate', provider: 'router', direction: 'lower_is_better', threshold: maxErrorRate, maxChange: CANARY_PRACTICAL_MARGIN, critical: true },
    { name: 'latency-p95', kind: 'latency', provider: 'router', percentile: 95, direction: 'lower_is_better', maxChange: DEFAULT_LATENCY_MAX_CHANGE_MS, critical: true },
  ];
}

function bad(message: string, field: string, value: unknown): never {
  throw new AppError('invalid', message, { field, value });
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function unknownKeys(where: string, obj: Record<string, unknown>, allowed: readonly string[]): void {
  const extra = Object.keys(obj).filter((k) => !allowed.includes(k) && obj[k] !== undefined);
  if (extra.length) bad(`unknown ${where} key${extra.length > 1 ? 's' : ''}: ${extra.sort().join(', ')} (valid: ${allowed.join(', ')})`, where, extra);
}

function checkUrl(field: string, v: unknown): string {
  if (typeof v !== 'string') bad(`${field} must be an http(s) URL, got ${show(v)}`, field, v);
  // Templates ({{service}}…) are allowed in the path and query; the base must parse.
  const probe = v.replace(/\{\{\s*\w+\s*\}\}/g, 'x');
  let u: URL;
  try {
    u = new URL(probe);
  } catch {
    bad(`${field} must be an http(s) URL, got ${show(v)}`, field, v);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') bad(`${field} must be an http(s) URL, got ${show(v)}`, field, v);
  return v;
}

function validateMetric(raw: unknown, i: number, maxErrorRate: number): MetricSpec {
  const at = `analysis.metrics[${i}]`;
  if (!isObject(raw)) bad(`${at} must be an object, got ${show(raw)}`, at, raw);
  unknownKeys(at, raw, METRIC_KEYS);
  const name = raw.name;
  if (typeof name !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,62}$/.test(name)) {
    bad(`${at}.name must be 1-63 letters, digits, dashes, dots, colons or underscores, got ${show(name)}`, `${at}.name`, name);
  }
  const kind = raw.kind ?? 'custom';
  if (kind !== 'error_rate' && kind !== 'latency' && kind !== 'custom') {
    bad(`${at}.kind must be error_rate, latency or custom, got ${show(kind)}`, `${at}.kind`, kind);
  }
  const provider = raw.provider ?? 'router';
  if (provider !== 'router' && provider !== 'prometheus' && provider !== 'web') {
    bad(`${at}.provider must be router, prometheus or web, got ${show(provider)}`, `${at}.provider`, provider);
  }
  const direction = raw.direction ?? 'lower_is_better';
  if (direction !== 'lower_is_better' && direction !== 'higher_is_better') {
    bad(`${at}.direction must be lower_is_better or higher_is_better, got ${show(direction)}`, `${at}.direction`, direction);
  }
  const m: MetricSpec = { name, kind, provider, direction, critical: true };
  if (raw.critical !== undefined) {
    if (typeof raw.critical !== 'boolean') bad(`${at}.critical must be true or false, got ${show(raw.critical)}`, `${at}.critical`, raw.critical);
    m.critical = raw.critical;
  }
  for (const key of ['threshold', 'maxChange'] as const) {
    const v = raw[key];
    if (v === undefined) continue;
    if (!isFiniteNumber(v) || v < 0) bad(`${at}.${key} must be a number ≥ 0, got ${show(v)}`, `${at}.${key}`, v);
    m[key] = v;
  }
  if (provider === 'router') {
    if (kind === 'custom') bad(`${at}: the router provider measures error_rate and latency only; a custom metric needs provider prometheus or web`, `${at}.kind`, kind);
    for (const key of ['query', 'address', 'url', 'path'] as const) {
      if (raw[key] !== undefined) bad(`${at}.${key} is not used by the router provider`, `${at}.${key}`, raw[key]);
    }
    if (direction !== 'lower_is_better') bad(`${at}.direction: router ${kind} is lower_is_better`, `${at}.direction`, direction);
    if (kind === 'error_rate') {
      if (m.threshold !== undefined && m.threshold > 1) bad(`${at}.threshold is an error rate, 0..1, got ${m.threshold}`, `${at}.threshold`, m.threshold);
      if (m.maxChange !== undefined && m.maxChange > 1) bad(`${at}.maxChange is an error rate, 0..1, got ${m.maxChange}`, `${at}.maxChange`, m.maxChange);
      m.threshold ??= maxErrorRate;
      m.maxChange ??= CANARY_PRACTICAL_MARGIN;
    } else {
      const p = raw.percentile ?? 95;
      if (!isFiniteNumber(p) || p < 50 || p > 99.9) bad(`${at}.percentile must be between 50 and 99.9, got ${show(p)}`, `${at}.percentile`, p);
      m.percentile = p;
      m.maxChange ??= DEFAULT_LATENCY_MAX_CHANGE_MS;
    }
  } else {
    if (raw.percentile !== undefined) bad(`${at}.percentile applies to router latency only; put the percentile in the ${provider} query`, `${at}.percentile`, raw.percentile);
    if (provider === 'prometheus') {
      if (typeof raw.query !== 'string' || raw.query.trim() === '') bad(`${at}.query (PromQL) is required for the prometheus provider`, `${at}.query`, raw.query);
      m.query = raw.query;
      m.address = checkUrl(`${at}.address`, raw.address);
      if (raw.url !== undefined || raw.path !== undefined) bad(`${at}: url and path belong to the web provider; prometheus takes address and query`, `${at}.url`, raw.url ?? raw.path);
    } else {
      m.url = checkUrl(`${at}.url`, raw.url);
      if (typeof raw.path !== 'string' || !/^[A-Za-z0-9_$-]+(\[\d+\])*(\.[A-Za-z0-9_$-]+(\[\d+\])*)*$/.test(raw.path)) {
        bad(`${at}.path must be a JSON path like data.value or results[0].value, got ${show(raw.path)}`, `${at}.path`, raw.path);
      }
      m.path = raw.path;
      if (raw.query !== undefined || raw.address !== undefined) bad(`${at}: query and address belong to the prometheus provider; web takes url and path`, `${at}.query`, raw.query ?? raw.address);
    }
    if (m.threshold === undefined && m.maxChange === undefined) {
      bad(`${at} needs a threshold and/or a maxChange: otherwise it can never fail`, `${at}.threshold`, undefined);
    }
  }
  return m;
}

/**
 * Validate an analysis config (service default or a deployment's override) and apply every
 * default. Throws AppError('invalid') — a 422 — naming the field.
 */
export function validateAnalysisConfig(raw: unknown, opts: { maxErrorRate?: number } = {}): AnalysisConfig {
  const obj = raw === undefined || raw === null ? {} : raw;
  if (!isObject(obj)) bad(`analysis must be an object, got ${show(raw)}`, 'analysis', raw);
  unknownKeys('analysis', obj, ANALYSIS_KEYS);
  const maxErrorRate = opts.maxErrorRate ?? CANARY_MAX_ERROR_RATE;
  let metrics: MetricSpec[];
  if (obj.metrics === undefined) metrics = defaultMetrics(maxErrorRate);
  else {
    if (!Array.isArray(obj.metrics) || obj.metrics.length === 0) bad(`analysis.metrics must be a non-empty list, got ${show(obj.metrics)}`, 'analysis.metrics', obj.metrics);
    metrics = obj.metrics.map((m, i) => validateMetric(m, i, maxErrorRate));
    const seen = new Set<string>();
    for (const m of metrics) {
      if (seen.has(m.name)) bad(`analysis.metrics: the name ${show(m.name)} is used twice`, 'analysis.metrics', m.name);
      seen.add(m.name);
    }
  }
  const out: AnalysisConfig = { metrics, alpha: CANARY_ALPHA, webhooks: [] };
  if (obj.windowSeconds !== undefined) {
    if (!isFiniteNumber(obj.windowSeconds) || obj.windowSeconds <= 0) bad(`analysis.windowSeconds must be a number > 0, got ${show(obj.windowSeconds)}`, 'analysis.windowSeconds', obj.windowSeconds);
    out.windowSeconds = obj.windowSeconds;
  }
  if (obj.minSamples !== undefined) {
    if (!isInteger(obj.minSamples) || obj.minSamples < 1) bad(`analysis.minSamples must be an integer ≥ 1, got ${show(obj.minSamples)}`, 'analysis.minSamples', obj.minSamples);
    out.minSamples = obj.minSamples;
  }
  if (obj.intervalSeconds !== undefined) {
    const v = obj.intervalSeconds;
    if (!isFiniteNumber(v) || v < 0.1 || v > 600) bad(`analysis.intervalSeconds must be between 0.1 and 600, got ${show(v)}`, 'analysis.intervalSeconds', v);
    out.intervalSeconds = v;
  }
  if (obj.alpha !== undefined) {
    const v = obj.alpha;
    if (!isFiniteNumber(v) || v <= 0 || v > 0.05) bad(`analysis.alpha must be in (0, 0.05], got ${show(v)}`, 'analysis.alpha', v);
    out.alpha = v;
  }
  if (obj.webhooks !== undefined) {
    if (!Array.isArray(obj.webhooks)) bad(`analysis.webhooks must be a list, got ${show(obj.webhooks)}`, 'analysis.webhooks', obj.webhooks);
    out.webhooks = obj.webhooks.map((w, i) => {
      const at = `analysis.webhooks[${i}]`;
      if (!isObject(w)) bad(`${at} must be {url, format?}, got ${show(w)}`, at, w);
      unknownKeys(at, w, WEBHOOK_KEYS);
      const format = w.format ?? 'json';
      if (format !== 'json' && format !== 'slack') bad(`${at}.format must be json or slack, got ${show(format)}`, `${at}.format`, format);
      return { url: checkUrl(`${at}.url`, w.url), format };
    });
  }
  return out;
}

// ------------------------------------------------------------------ measurements and verdict

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

function fmt(kind: MetricKind, v: number | null): string {
  if (v === null) return 'no data';
  if (kind === 'error_rate') return formatRate(v);
  if (kind === 'latency') return `${Number(v.toFixed(1))} ms`;
  return String(Number(v.toPrecision(4)));
}

function fmtChange(kind: MetricKind, v: number): string {
  if (kind === 'error_rate') return `${Number((v * 100).toFixed(2))}pp`;
  if (kind === 'latency') return `${Number(v.toFixed(1))} ms`;
  return String(Number(v.toPrecision(4)));
}

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
  const what = m.kind === 'error_rate' ? 'error rate ' : m.kind === 'latency' ? `${m.provider === 'router' ? `p${m.percentile ?? 95} ` : ''}latency ` : '';
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
  if (!isFiniteNumber(windowSeconds) || windowSeconds <= 0) bad(`analysis windowSeconds must be > 0, got ${show(windowSeconds)}`, 'windowSeconds', windowSeconds);
  if (!isInteger(minSamples) || minSamples < 1) bad(`analysis minSamples must be an integer ≥ 1, got ${show(minSamples)}`, 'minSamples', minSamples);
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
