import { actorOf, handler } from '@/lib/api/http';
import { listApprovals } from '@/lib/services';

export const dynamic = 'force-dynamic';

/** The approvals inbox: deployments waiting for approval, with their plans and whether the caller may decide. */
export const GET = handler('viewer', async (req, _ctx, db) => listApprovals(db, actorOf(req)));
