/**
 * Metric providers for canary analysis. A provider answers one metric for both cohorts —
 * canary (the new version) and baseline (the stable one) — over the same window.
 */
import type { MetricReading, MetricSpec } from '../engine/analysis';
import type { Runtime } from '../runtime/types';

export interface Cohort {
  versionId: string;
  semver: string;
}

export interface MeasureContext {
  service: string;
  canary: Cohort;
  baseline: Cohort | null;
  /** The analysis window so far: [fromMs, toMs). */
  fromMs: number;
  toMs: number;
  runtime: Runtime;
  /** Injected for tests; the global fetch otherwise. */
  fetch?: typeof fetch;
  timeoutMs?: number;
}

export interface MetricProvider {
  measure(metric: MetricSpec, ctx: MeasureContext): Promise<MetricReading>;
}

/** Replace {{service}}, {{version}}, {{versionId}}, {{cohort}}, {{window}} in a query or URL. */
export function template(text: string, ctx: MeasureContext, cohort: 'canary' | 'baseline', encode: (s: string) => string = (s) => s): string {
  const c = cohort === 'canary' ? ctx.canary : ctx.baseline;
  const windowSeconds = Math.max(1, Math.ceil((ctx.toMs - ctx.fromMs) / 1000));
  const values: Record<string, string> = {
    service: ctx.service,
    version: c?.semver ?? '',
    versionId: c?.versionId ?? '',
    cohort,
    window: `${windowSeconds}s`,
  };
  return text.replace(/\{\{\s*(\w+)\s*\}\}/g, (whole, key: string) => (key in values ? encode(values[key]!) : whole));
}
