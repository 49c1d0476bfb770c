/**
 * Prometheus provider: an instant PromQL query over the HTTP API (GET /api/v1/query), once
 * per cohort, the query templated with {{service}}, {{version}}, {{versionId}}, {{cohort}} and
 * {{window}} (the analysis window so far, e.g. "45s"). The first sample of a vector, or a
 * scalar, is the value; an empty result or NaN is NO DATA (never a pass).
 */
import type { CohortReading, MetricReading, MetricSpec } from '../engine/analysis';
import { template, type MeasureContext, type MetricProvider } from './types';

interface PromResponse {
  status: 'success' | 'error';
  error?: string;
  data?: { resultType: 'vector' | 'scalar' | 'matrix' | 'string'; result: unknown };
}

export async function promQuery(address: string, query: string, atMs: number, opts: { fetch?: typeof fetch; timeoutMs?: number } = {}): Promise<number | null> {
  const f = opts.fetch ?? fetch;
  const url = `${address.replace(/\/+$/, '')}/api/v1/query?${new URLSearchParams({ query, time: String(atMs / 1000) })}`;
  const res = await f(url, { signal: AbortSignal.timeout(opts.timeoutMs ?? 5000) });
  const body = (await res.json().catch(() => null)) as PromResponse | null;
  if (!res.ok || !body || body.status !== 'success') {
    throw new Error(`prometheus answered ${res.status}: ${body?.error ?? 'unreadable body'}`);
  }
  const data = body.data!;
  let raw: unknown;
  if (data.resultType === 'scalar') raw = (data.result as [number, string])[1];
  else if (data.resultType === 'vector') {
    const first = (data.result as Array<{ value: [number, string] }>)[0];
    if (!first) return null;
    raw = first.value[1];
  } else throw new Error(`prometheus query returned a ${data.resultType}; analysis needs an instant vector or scalar`);
  const v = Number(raw);
  return Number.isFinite(v) ? v : null;
}

export const prometheusProvider: MetricProvider = {
  async measure(metric: MetricSpec, ctx: MeasureContext): Promise<MetricReading> {
    const one = async (cohort: 'canary' | 'baseline'): Promise<CohortReading> => {
      if (cohort === 'baseline' && !ctx.baseline) return { value: null };
      return { value: await promQuery(metric.address!, template(metric.query!, ctx, cohort), ctx.toMs, ctx) };
    };
    try {
      const [canary, baseline] = await Promise.all([one('canary'), one('baseline')]);
      const missing = canary.value === null ? 'the canary query returned no data' : null;
      return { name: metric.name, canary, baseline, ...(missing ? { error: missing } : {}) };
    } catch (e) {
      return { name: metric.name, canary: { value: null }, baseline: { value: null }, error: (e as Error).message };
    }
  },
};
