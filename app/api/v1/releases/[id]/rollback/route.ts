import { actorOf, handler, principalOf, readJson, serviceContext, type Params } from '@/lib/api/http';
import { assertMayOverrideFreeze } from '@/lib/auth/override';
import { servicesOfRelease } from '@/lib/auth/targets';
import { rollbackRelease } from '@/lib/services';

export const dynamic = 'force-dynamic';

/** Roll every service of a release back, in reverse dependency waves (202), or preview it with dryRun (200). Deployers, in scope for every service. */
export const POST = handler(
  'deployer',
  async (req, { params }: Params<{ id: string }>) => {
    const body = await readJson(req);
    assertMayOverrideFreeze(principalOf(req), body);
    const r = await rollbackRelease(serviceContext(), (await params).id, body, actorOf(req));
    return Response.json(r, { status: r.dryRun ? 200 : 202 });
  },
  { services: async (_req, { params }, db) => servicesOfRelease(db, (await params).id), action: 'release.rollback' },
);
