/**
 * The engine's defaults and thresholds, in one leaf module: every other engine module may
 * import it, it imports nothing, so no two engine modules need each other for a number.
 */

export const STRATEGIES = ['rolling', 'blue-green', 'canary', 'recreate'] as const;
export type StrategyName = (typeof STRATEGIES)[number];

/** The defaults that hold when a service or a request says nothing. */
export const DEFAULTS = {
  canaryWindowSeconds: 300,
  canaryMinSamples: 100,
  canarySteps: [10, 25, 50, 100] as number[],
  leaseTtlSeconds: 300,
  gracePeriodSeconds: 60,
  scaleDownDelaySeconds: 30,
  /** Minutes the replaced version stays running out of rotation after a deployment succeeds. */
  warmWindowMinutes: 15,
  rollingBatchSize: 1,
  /** Time an instance gets to finish its requests after it leaves rotation, before it is stopped. */
  drainSeconds: 10,
  /** Seconds between two evaluations of a canary analysis step. */
  analysisIntervalSeconds: 10,
  health: {
    path: '/healthz',
    intervalSeconds: 5,
    timeoutSeconds: 2,
    healthyThreshold: 1,
    unhealthyThreshold: 3,
    gracePeriodSeconds: 60,
  },
} as const;

// ---------------------------------------------------------------- canary analysis

/** Absolute ceiling on the canary's error rate once its window is complete. */
export const CANARY_MAX_ERROR_RATE = 0.05;
/** Significance level of the one-sided harm tests ("the canary is worse than the baseline"). */
export const CANARY_ALPHA = 0.001;
/**
 * A significant difference must also matter: the canary's error rate has to exceed the
 * baseline's by more than this (1 percentage point) before we abort on significance alone.
 * Huge cohorts make 0.11 % vs 0.10 % "significant"; that is not worth an abort.
 */
export const CANARY_PRACTICAL_MARGIN = 0.01;
/**
 * Before the cohorts reach minSamples one error in the first canary request against a clean
 * baseline already looks significant: an early abort on error rate also needs at least this
 * many canary errors.
 */
export const CANARY_EARLY_ABORT_MIN_ERRORS = 5;
/** Latency: added milliseconds at the percentile tolerated before a significant slowdown counts. */
export const DEFAULT_LATENCY_MAX_CHANGE_MS = 100;
/** Router latency metrics judge this percentile unless told otherwise. */
export const DEFAULT_LATENCY_PERCENTILE = 95;
/** Early latency abort needs at least this many canary observations. */
export const LATENCY_EARLY_MIN_SAMPLES = 30;
/** Value-only metrics: consecutive threshold breaches that abort before the window ends. */
export const EARLY_BREACHES = 3;
