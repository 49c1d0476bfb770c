import { handler, type Params } from '@/lib/api/http';
import { listDeploymentEvents } from '@/lib/services';

export const dynamic = 'force-dynamic';

export const GET = handler('viewer', async (req, { params }: Params<{ id: string }>, db) => {
  const after = new URL(req.url).searchParams.get('after') ?? undefined;
  return { events: await listDeploymentEvents(db, (await params).id, after) };
});
