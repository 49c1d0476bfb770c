import { handler } from '@/lib/api/http';
import { attachedRuntime, runtimeMetricsText } from '@/lib/services';

export const dynamic = 'force-dynamic';

/** Prometheus text: per environment, service and version, requests by status class and latency histograms.
 * Viewers (Prometheus: `authorization: { credentials: <token> }` in the scrape config). */
export const GET = handler('viewer', async (_req, _ctx, db) => {
  const text = await runtimeMetricsText(db, attachedRuntime);
  return new Response(text, { headers: { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' } });
});
