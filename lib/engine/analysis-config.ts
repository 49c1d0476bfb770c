/**
 * The canary analysis configuration (which metrics, from which provider, judged how, who is
 * alerted) as a zod schema, and `validateAnalysisConfig`, which checks one and applies every
 * default. The schema checks without filling defaults in, so a service stores the config it
 * was given; each field's `default` says what applies when it is left out.
 *
 * Rules the field types cannot express (which fields each provider needs, error rates within
 * 0..1, unique names) are refinements of the whole config, so their messages can name the
 * metric by its index.
 */
import { z } from 'zod';
import { CANARY_ALPHA, CANARY_MAX_ERROR_RATE, CANARY_PRACTICAL_MARGIN, DEFAULT_LATENCY_MAX_CHANGE_MS, DEFAULT_LATENCY_PERCENTILE, DEFAULTS } from './constants';
import { fails, parseOrThrow, show, unknownKeysMessage, withoutUndefined, type IssueInput } from './validate';

const METRIC_KINDS = ['error_rate', 'latency', 'custom'] as const;
const PROVIDERS = ['router', 'prometheus', 'web'] as const;
const DIRECTIONS = ['lower_is_better', 'higher_is_better'] as const;
export type MetricKind = (typeof METRIC_KINDS)[number];
export type ProviderName = (typeof PROVIDERS)[number];

/**
 * Where a value sits, as the messages name it: "analysis.metrics[0].query". The path zod
 * reports starts at the outermost schema, which may hold the config under `analysis`.
 */
function at(path: readonly PropertyKey[] = []): string {
  const start = path.lastIndexOf('analysis') + 1;
  return `analysis${path
    .slice(start)
    .map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))
    .join('')}`;
}

const field = (rule: string) => fails((i) => `${at(i.path)} ${rule}`);

/** The object-level error: keys it does not know, or no object at all. */
function object(allowed: readonly string[], shape: string) {
  return {
    error: (issue: IssueInput & { code?: string; keys?: string[] }) =>
      issue.code === 'unrecognized_keys' ? unknownKeysMessage(at(issue.path), 'key', issue.keys ?? [], allowed) : `${at(issue.path)} must be ${shape}, got ${show(issue.input)}`,
  };
}

/** An http(s) URL; {{service}}-style templates are allowed in its path and query, the base must parse. */
function isHttpUrl(v: string): boolean {
  try {
    const u = new URL(v.replace(/\{\{\s*\w+\s*\}\}/g, 'x'));
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}
const httpUrl = z.string(field('must be an http(s) URL')).refine(isHttpUrl, field('must be an http(s) URL'));

const METRIC_NAME = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,62}$/;
const JSON_PATH = /^[A-Za-z0-9_$-]+(\[\d+\])*(\.[A-Za-z0-9_$-]+(\[\d+\])*)*$/;
const nonNegative = z.number(field('must be a number ≥ 0')).min(0, field('must be a number ≥ 0'));

const metricShape = {
  name: z
    .string(field('must be 1-63 letters, digits, dashes, dots, colons or underscores'))
    .regex(METRIC_NAME, field('must be 1-63 letters, digits, dashes, dots, colons or underscores'))
    .meta({ description: 'Unique within the config; names the metric on the timeline and in the API.' }),
  kind: z.enum(METRIC_KINDS, field('must be error_rate, latency or custom')).optional().meta({ default: 'custom' }),
  provider: z.enum(PROVIDERS, field('must be router, prometheus or web')).optional().meta({ description: "Where the values come from; router = Flightdeck's own counts.", default: 'router' }),
  percentile: z
    .number(field('must be between 50 and 99.9'))
    .min(50, field('must be between 50 and 99.9'))
    .max(99.9, field('must be between 50 and 99.9'))
    .optional()
    .meta({ description: 'Router latency only: the percentile judged.', default: DEFAULT_LATENCY_PERCENTILE }),
  query: z
    .string(field('must be a PromQL string'))
    .optional()
    .meta({ description: 'prometheus: PromQL, templated with {{service}}, {{version}}, {{versionId}}, {{cohort}}, {{window}}.' }),
  address: httpUrl.optional().meta({ description: 'prometheus: base URL of the server, e.g. http://127.0.0.1:9090' }),
  url: httpUrl.optional().meta({ description: 'web: URL answering JSON, templated like query.' }),
  path: z
    .string(field('must be a JSON path like data.value or results[0].value'))
    .regex(JSON_PATH, field('must be a JSON path like data.value or results[0].value'))
    .optional()
    .meta({ description: 'web: where the number is in the JSON, e.g. data.errorRate or results[0].value.' }),
  direction: z.enum(DIRECTIONS, field('must be lower_is_better or higher_is_better')).optional().meta({ default: 'lower_is_better' }),
  threshold: nonNegative.optional().meta({ description: 'Absolute bound for the canary: a ceiling (lower_is_better) or a floor (higher_is_better).' }),
  maxChange: nonNegative.optional().meta({ description: 'Allowed change against the baseline in the harmful direction, in the metric’s unit.' }),
  critical: z
    .boolean(field('must be true or false'))
    .optional()
    .meta({ description: 'A failed critical metric aborts; a failed non-critical one pauses for a person.', default: true }),
};
const metricSchema = z.strictObject(metricShape, object(Object.keys(metricShape), 'an object'));

const webhookShape = {
  url: httpUrl,
  format: z
    .enum(['json', 'slack'], field('must be json or slack'))
    .optional()
    .meta({ description: "json: Flightdeck's own payload; slack: {text, blocks} for Slack-compatible incoming webhooks.", default: 'json' }),
};
const webhookSchema = z.strictObject(webhookShape, object(Object.keys(webhookShape), '{url, format?}'));

type MetricInput = z.output<typeof metricSchema>;

/** The rules that tie a metric's fields together; the first broken one, as [field, message]. */
function metricProblem(m: MetricInput, where: string): [keyof MetricInput, string] | null {
  const kind = m.kind ?? 'custom';
  const provider = m.provider ?? 'router';
  if (provider === 'router') {
    if (kind === 'custom') return ['kind', `${where}: the router provider measures error_rate and latency only; a custom metric needs provider prometheus or web`];
    for (const key of ['query', 'address', 'url', 'path'] as const) {
      if (m[key] !== undefined) return [key, `${where}.${key} is not used by the router provider`];
    }
    if ((m.direction ?? 'lower_is_better') !== 'lower_is_better') return ['direction', `${where}.direction: router ${kind} is lower_is_better`];
    if (kind === 'error_rate') {
      if (m.threshold !== undefined && m.threshold > 1) return ['threshold', `${where}.threshold is an error rate, 0..1, got ${m.threshold}`];
      if (m.maxChange !== undefined && m.maxChange > 1) return ['maxChange', `${where}.maxChange is an error rate, 0..1, got ${m.maxChange}`];
    }
    return null;
  }
  if (m.percentile !== undefined) return ['percentile', `${where}.percentile applies to router latency only; put the percentile in the ${provider} query`];
  if (provider === 'prometheus') {
    if (m.query === undefined || m.query.trim() === '') return ['query', `${where}.query (PromQL) is required for the prometheus provider`];
    if (m.address === undefined) return ['address', `${where}.address must be an http(s) URL, got undefined`];
    if (m.url !== undefined || m.path !== undefined) return ['url', `${where}: url and path belong to the web provider; prometheus takes address and query`];
  } else {
    if (m.url === undefined) return ['url', `${where}.url must be an http(s) URL, got undefined`];
    if (m.path === undefined) return ['path', `${where}.path must be a JSON path like data.value or results[0].value, got undefined`];
    if (m.query !== undefined || m.address !== undefined) return ['query', `${where}: query and address belong to the prometheus provider; web takes url and path`];
  }
  if (m.threshold === undefined && m.maxChange === undefined) return ['threshold', `${where} needs a threshold and/or a maxChange: otherwise it can never fail`];
  return null;
}

const metricsRule = field('must be a non-empty list');
const analysisShape = {
  metrics: z
    .array(metricSchema, metricsRule)
    .min(1, metricsRule)
    .optional()
    .meta({ description: "The metrics judged; default the router's error rate and p95 latency." }),
  windowSeconds: z
    .number(field('must be a number > 0'))
    .positive(field('must be a number > 0'))
    .optional()
    .meta({ description: "Default window per canary step (the canary params' windowSeconds wins when both are set)." }),
  minSamples: z
    .number(field('must be an integer ≥ 1'))
    .int(field('must be an integer ≥ 1'))
    .min(1, field('must be an integer ≥ 1'))
    .optional()
    .meta({ description: "Default minimum requests per cohort (the canary params' minSamples wins when both are set)." }),
  intervalSeconds: z
    .number(field('must be between 0.1 and 600'))
    .min(0.1, field('must be between 0.1 and 600'))
    .max(600, field('must be between 0.1 and 600'))
    .optional()
    .meta({ description: 'Seconds between two evaluations.', default: DEFAULTS.analysisIntervalSeconds }),
  alpha: z
    .number(field('must be in (0, 0.05]'))
    .positive(field('must be in (0, 0.05]'))
    .max(0.05, field('must be in (0, 0.05]'))
    .optional()
    .meta({ description: 'Significance level of the harm tests.', default: CANARY_ALPHA }),
  webhooks: z
    .array(webhookSchema, field('must be a list'))
    .optional()
    .meta({ description: 'Alerted when an analysis aborts or pauses a deployment.', default: [] }),
};

export const analysisConfigSchema = z
  .strictObject(analysisShape, object(Object.keys(analysisShape), 'an object'))
  .superRefine((cfg, ctx) => {
    const metrics = cfg.metrics ?? [];
    for (const [i, m] of metrics.entries()) {
      const problem = metricProblem(m, `analysis.metrics[${i}]`);
      if (problem) return ctx.addIssue({ code: 'custom', input: m[problem[0]], path: ['metrics', i, problem[0]], message: problem[1] });
    }
    const i = metrics.findIndex((m, j) => metrics.findIndex((n) => n.name === m.name) !== j);
    if (i >= 0) ctx.addIssue({ code: 'custom', input: metrics[i]!.name, path: ['metrics', i, 'name'], message: `analysis.metrics: the name ${show(metrics[i]!.name)} is used twice` });
  })
  .meta({ title: 'Canary analysis', description: 'Which metrics a canary is judged on, from which provider, how strictly, and who is alerted.' });

/** A metric with every default applied: what the orchestrator measures and judges. */
const metricSpecSchema = metricSchema.required({ kind: true, provider: true, direction: true, critical: true });
export type MetricSpec = z.output<typeof metricSpecSchema>;

const webhookSpecSchema = webhookSchema.required({ format: true });
export type Webhook = z.output<typeof webhookSpecSchema>;

/** An analysis config with every default applied: what the orchestrator judges with. */
export const appliedAnalysisConfigSchema = z
  .strictObject({
    ...analysisShape,
    metrics: z.array(metricSpecSchema),
    alpha: analysisShape.alpha.unwrap(),
    webhooks: z.array(webhookSpecSchema),
  })
  .meta({ title: 'Canary analysis in force', description: 'The analysis config with every default applied.' });
export type AnalysisConfig = z.output<typeof appliedAnalysisConfigSchema>;

/** The metrics analysed when a service configures none: router error rate and p95 latency. */
export function defaultMetrics(maxErrorRate = CANARY_MAX_ERROR_RATE): MetricSpec[] {
  return [
    { name: 'error-rate', kind: 'error_rate', provider: 'router', direction: 'lower_is_better', threshold: maxErrorRate, maxChange: CANARY_PRACTICAL_MARGIN, critical: true },
    { name: 'latency-p95', kind: 'latency', provider: 'router', percentile: DEFAULT_LATENCY_PERCENTILE, direction: 'lower_is_better', maxChange: DEFAULT_LATENCY_MAX_CHANGE_MS, critical: true },
  ];
}

function withDefaults(m: MetricInput, maxErrorRate: number): MetricSpec {
  const spec: MetricSpec = { name: m.name, kind: m.kind ?? 'custom', provider: m.provider ?? 'router', direction: m.direction ?? 'lower_is_better', critical: m.critical ?? true };
  if (m.threshold !== undefined) spec.threshold = m.threshold;
  if (m.maxChange !== undefined) spec.maxChange = m.maxChange;
  if (spec.provider === 'router' && spec.kind === 'error_rate') {
    spec.threshold ??= maxErrorRate;
    spec.maxChange ??= CANARY_PRACTICAL_MARGIN;
  } else if (spec.provider === 'router') {
    spec.percentile = m.percentile ?? DEFAULT_LATENCY_PERCENTILE;
    spec.maxChange ??= DEFAULT_LATENCY_MAX_CHANGE_MS;
  } else if (spec.provider === 'prometheus') {
    spec.query = m.query;
    spec.address = m.address;
  } else {
    spec.url = m.url;
    spec.path = m.path;
  }
  return spec;
}

/**
 * Validate an analysis config (service default or a deployment's override) and apply every
 * default. Throws AppError('invalid') — a 422 — naming the field.
 */
export function validateAnalysisConfig(raw: unknown, opts: { maxErrorRate?: number } = {}): AnalysisConfig {
  const given = raw === undefined || raw === null ? {} : withoutUndefined(raw);
  const cfg = parseOrThrow(analysisConfigSchema, given, 'analysis');
  const maxErrorRate = opts.maxErrorRate ?? CANARY_MAX_ERROR_RATE;
  const out: AnalysisConfig = {
    metrics: cfg.metrics ? cfg.metrics.map((m) => withDefaults(m, maxErrorRate)) : defaultMetrics(maxErrorRate),
    alpha: cfg.alpha ?? CANARY_ALPHA,
    webhooks: (cfg.webhooks ?? []).map((w) => ({ url: w.url, format: w.format ?? 'json' })),
  };
  if (cfg.windowSeconds !== undefined) out.windowSeconds = cfg.windowSeconds;
  if (cfg.minSamples !== undefined) out.minSamples = cfg.minSamples;
  if (cfg.intervalSeconds !== undefined) out.intervalSeconds = cfg.intervalSeconds;
  return out;
}
