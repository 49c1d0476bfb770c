import { AppError } from '@/lib/errors/app-error';
import { actorOf, handler, readJson, serviceContext, type Params } from '@/lib/api/http';
import { serviceOfDeployment } from '@/lib/auth/targets';
import { controlDeployment } from '@/lib/services';

export const dynamic = 'force-dynamic';

const ACTIONS = new Set(['pause', 'resume', 'promote', 'abort']);

/** POST /api/v1/deployments/{id}/pause|resume|promote|abort — deployers (in scope). */
export const POST = handler(
  'deployer',
  async (req, { params }: Params<{ id: string; action: string }>) => {
    const { id, action } = await params;
    if (!ACTIONS.has(action)) throw new AppError('not_found', `unknown deployment action ${action}: use pause, resume, promote or abort`);
    return controlDeployment(serviceContext(), id, action, await readJson(req), actorOf(req));
  },
  { services: async (_req, { params }, db) => serviceOfDeployment(db, (await params).id), action: 'deployment.control' },
);
