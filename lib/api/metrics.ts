/**
 * GET /metrics: one Prometheus exposition with the runtimes' per-service request metrics
 * (each sample labelled with its environment) followed by the control plane's own
 * (deployments, leases, worker, live feed, HTTP edge, process).
 */
import type { Db } from '../db/client';
import { attachedRuntime, runtimeMetricsText } from '../services';
import { controlPlaneMetricsText } from '../observability/metrics';

export async function metricsResponse(db: Db): Promise<Response> {
  const [runtime, controlPlane] = await Promise.all([runtimeMetricsText(db, attachedRuntime), controlPlaneMetricsText(db)]);
  return new Response(runtime + controlPlane.text, { headers: { 'content-type': controlPlane.contentType } });
}
