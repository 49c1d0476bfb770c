import { handler } from '@/lib/api/http';
import { getOverview } from '@/lib/services';

export const dynamic = 'force-dynamic';

/** Every service with health, traffic, the deployment in flight and its rollback target. */
export const GET = handler(async (_req, _ctx, db) => getOverview(db));
