import { actorOf, handler, readJson, serviceContext, type Params } from '@/lib/api/http';
import { rollbackService } from '@/lib/services';

export const dynamic = 'force-dynamic';

/** Deployers. */
export const POST = handler(
  'deployer',
  async (req, { params }: Params<{ name: string }>) => {
    const r = await rollbackService(serviceContext(), (await params).name, await readJson(req), actorOf(req));
    return Response.json(r, { status: r.dryRun ? 200 : 202 });
  },
  { services: async (_req, { params }) => [(await params).name], action: 'service.rollback' },
);
