import { actorOf, handler, readJson, type Params } from '@/lib/api/http';
import { getEnvironment, updateEnvironment } from '@/lib/services';

export const dynamic = 'force-dynamic';

export const GET = handler('viewer', async (_req, { params }: Params<{ name: string }>, db) => getEnvironment(db, (await params).name));

/** Admins: order, protection, approvals, soak, strategy, runtime settings. */
export const PATCH = handler('admin', async (req, { params }: Params<{ name: string }>, db) => updateEnvironment(db, (await params).name, await readJson(req), actorOf(req)), {
  action: 'environment.update',
});
