import { attachedRuntime } from '@/lib/services';
import { handler } from '@/lib/api/http';

export const dynamic = 'force-dynamic';

/** Prometheus text: per service and version, requests by status class and latency histograms.
 * Viewers (Prometheus: `authorization: { credentials: <token> }` in the scrape config). */
export const GET = handler('viewer', async () => {
  const runtime = attachedRuntime();
  const text = runtime?.metricsText ? await runtime.metricsText() : (runtime?.prometheusText?.() ?? '');
  return new Response(text, { headers: { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' } });
});
