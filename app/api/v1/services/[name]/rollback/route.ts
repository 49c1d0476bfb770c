import { actorOf, handler, readJson, serviceContext, type Params } from '@/lib/api/http';
import { rollbackService } from '@/lib/services';

export const dynamic = 'force-dynamic';

export const POST = handler(async (req, { params }: Params<{ name: string }>) => {
  const r = await rollbackService(serviceContext(), (await params).name, await readJson(req), actorOf(req));
  return Response.json(r, { status: r.dryRun ? 200 : 202 });
});
