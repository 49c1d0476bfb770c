import { actorOf, handler, principalOf, readJson, serviceContext, type Params } from '@/lib/api/http';
import { assertMayOverrideFreeze } from '@/lib/auth/override';
import { createDeployment } from '@/lib/services';

export const dynamic = 'force-dynamic';

/** Deploy (202, queued for a worker) or, with dryRun, preview the plan and preflight (200). Deployers. */
export const POST = handler(
  'deployer',
  async (req, { params }: Params<{ name: string }>) => {
    const body = await readJson(req);
    assertMayOverrideFreeze(principalOf(req), body);
    const r = await createDeployment(serviceContext(), (await params).name, body, actorOf(req));
    return r.dryRun ? Response.json(r) : Response.json(r.deployment, { status: 202 });
  },
  { services: async (_req, { params }) => [(await params).name], action: 'deployment.create' },
);
