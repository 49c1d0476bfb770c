/**
 * Measure every metric of an analysis config for one evaluation. The router is read once
 * (it also gives the per-cohort request counts behind the minimum-samples rule); other
 * providers are asked concurrently. A provider failure becomes "no data" for its metric,
 * never an exception and never a pass.
 */
import type { AnalysisConfig, MetricReading } from '../engine/analysis';
import { prometheusProvider } from './prometheus';
import { readRouterMetric, routerSnapshot } from './router';
import type { MeasureContext, MetricProvider } from './types';
import { webProvider } from './web';

export type { MeasureContext, MetricProvider } from './types';
export { promQuery } from './prometheus';

const providers: Record<'prometheus' | 'web', MetricProvider> = { prometheus: prometheusProvider, web: webProvider };

export async function measureAll(
  config: AnalysisConfig,
  ctx: MeasureContext,
): Promise<{ samples: { canary: number; baseline: number }; readings: MetricReading[] }> {
  const snap = await routerSnapshot(ctx);
  const samples = {
    canary: snap.traffic[ctx.canary.versionId]?.requests ?? 0,
    baseline: ctx.baseline ? (snap.traffic[ctx.baseline.versionId]?.requests ?? 0) : 0,
  };
  const readings = await Promise.all(
    config.metrics.map((m) => (m.provider === 'router' ? Promise.resolve(readRouterMetric(m, snap, ctx)) : providers[m.provider].measure(m, ctx))),
  );
  return { samples, readings };
}
