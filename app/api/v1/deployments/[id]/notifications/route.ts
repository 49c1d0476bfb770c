import { handler, type Params } from '@/lib/api/http';
import { listDeploymentNotifications } from '@/lib/services';

export const dynamic = 'force-dynamic';

/** Every notification about the deployment, with each delivery attempt (viewers). */
export const GET = handler('viewer', async (_req, { params }: Params<{ id: string }>, db) => listDeploymentNotifications(db, (await params).id));
