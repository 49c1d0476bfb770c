import { actorOf, handler, readJson } from '@/lib/api/http';
import { createService, listServices } from '@/lib/services';

export const dynamic = 'force-dynamic';

/** Every service, with what is live in `?environment=` (the first environment by default) and in each environment. */
export const GET = handler('viewer', async (req, _ctx, db) => ({ services: await listServices(db, { environment: new URL(req.url).searchParams.get('environment') }) }));

/** Admins. */
export const POST = handler('admin', async (req, _ctx, db) => Response.json(await createService(db, await readJson(req), actorOf(req)), { status: 201 }), {
  action: 'service.create',
});
