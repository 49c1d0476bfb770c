import { handler } from '@/lib/api/http';
import { metricsResponse } from '@/lib/api/metrics';

export const dynamic = 'force-dynamic';

/** Prometheus text: the runtimes' requests and latency per environment, service and version, then the
 * control plane's own metrics. Viewers (Prometheus: `authorization: { credentials: <token> }` in the scrape config). */
export const GET = handler('viewer', async (_req, _ctx, db) => metricsResponse(db));
