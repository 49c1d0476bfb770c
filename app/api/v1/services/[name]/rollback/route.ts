import { actorOf, handler, principalOf, readJson, serviceContext, type Params } from '@/lib/api/http';
import { assertMayOverrideFreeze } from '@/lib/auth/override';
import { rollbackService } from '@/lib/services';

export const dynamic = 'force-dynamic';

/** Deployers; an override (past irreversible migrations) needs an admin. */
export const POST = handler(
  'deployer',
  async (req, { params }: Params<{ name: string }>) => {
    const body = await readJson(req);
    // Rolling back past an irreversible migration is an admin's call, with a reason.
    assertMayOverrideFreeze(principalOf(req), body);
    const r = await rollbackService(serviceContext(), (await params).name, body, actorOf(req));
    return Response.json(r, { status: r.dryRun ? 200 : 202 });
  },
  { services: async (_req, { params }) => [(await params).name], action: 'service.rollback' },
);
