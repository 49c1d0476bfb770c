import { actorOf, handler, readJson, serviceContext, type Params } from '@/lib/api/http';
import { serviceOfDeployment } from '@/lib/auth/targets';
import { rejectDeployment } from '@/lib/services';

export const dynamic = 'force-dynamic';

/** POST /api/v1/deployments/{id}/reject {comment?} — approvers (or admins), never the requester. */
export const POST = handler(
  'approver',
  async (req, { params }: Params<{ id: string }>) => rejectDeployment(serviceContext(), (await params).id, await readJson(req), actorOf(req)),
  { services: async (_req, { params }, db) => serviceOfDeployment(db, (await params).id), action: 'deployment.reject' },
);
