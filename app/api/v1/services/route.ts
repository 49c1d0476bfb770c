import { actorOf, handler, readJson } from '@/lib/api/http';
import { createService, listServices } from '@/lib/services';

export const dynamic = 'force-dynamic';

export const GET = handler('viewer', async (_req, _ctx, db) => ({ services: await listServices(db) }));

/** Admins. */
export const POST = handler('admin', async (req, _ctx, db) => Response.json(await createService(db, await readJson(req), actorOf(req)), { status: 201 }), {
  action: 'service.create',
});
