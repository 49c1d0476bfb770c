/**
 * Web provider: GET a URL (templated like a Prometheus query, values URL-encoded) returning
 * JSON, once per cohort, and read the number at `path` ("data.value", "results[0].p99").
 * Anything that is not a finite number there is NO DATA.
 */
import type { CohortReading, MetricReading, MetricSpec } from '../engine/analysis';
import { template, type MeasureContext, type MetricProvider } from './types';

export function readPath(json: unknown, path: string): unknown {
  let cur: unknown = json;
  for (const part of path.split('.')) {
    const m = /^([^[\]]+)((?:\[\d+\])*)$/.exec(part);
    if (!m) return undefined;
    cur = cur !== null && typeof cur === 'object' ? (cur as Record<string, unknown>)[m[1]!] : undefined;
    for (const idx of m[2]!.match(/\d+/g) ?? []) {
      cur = Array.isArray(cur) ? cur[Number(idx)] : undefined;
    }
  }
  return cur;
}

export const webProvider: MetricProvider = {
  async measure(metric: MetricSpec, ctx: MeasureContext): Promise<MetricReading> {
    const f = ctx.fetch ?? fetch;
    const one = async (cohort: 'canary' | 'baseline'): Promise<CohortReading> => {
      if (cohort === 'baseline' && !ctx.baseline) return { value: null };
      const url = template(metric.url!, ctx, cohort, encodeURIComponent);
      const res = await f(url, { signal: AbortSignal.timeout(ctx.timeoutMs ?? 5000), headers: { accept: 'application/json' } });
      if (!res.ok) throw new Error(`${url} answered ${res.status}`);
      const v = readPath(await res.json(), metric.path!);
      const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
      return { value: typeof n === 'number' && Number.isFinite(n) ? n : null };
    };
    try {
      const [canary, baseline] = await Promise.all([one('canary'), one('baseline')]);
      return { name: metric.name, canary, baseline, ...(canary.value === null ? { error: `no number at ${metric.path}` } : {}) };
    } catch (e) {
      return { name: metric.name, canary: { value: null }, baseline: { value: null }, error: (e as Error).message };
    }
  },
};
