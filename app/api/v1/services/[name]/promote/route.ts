import { actorOf, handler, principalOf, readJson, serviceContext, type Params } from '@/lib/api/http';
import { assertMayOverrideFreeze } from '@/lib/auth/override';
import { promoteVersion } from '@/lib/services';

export const dynamic = 'force-dynamic';

/**
 * POST /api/v1/services/{name}/promote {version?, to?, dryRun?, override?} — take a version to the
 * next environment with the strategy configured there. Deployers; an override is an admin's.
 */
export const POST = handler(
  'deployer',
  async (req, { params }: Params<{ name: string }>) => {
    const body = await readJson(req);
    assertMayOverrideFreeze(principalOf(req), body);
    const r = await promoteVersion(serviceContext(), (await params).name, body, actorOf(req));
    return r.dryRun ? Response.json(r) : Response.json(r, { status: 202 });
  },
  { services: async (_req, { params }) => [(await params).name], action: 'service.promote' },
);
