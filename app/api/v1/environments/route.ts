import { actorOf, handler, readJson } from '@/lib/api/http';
import { createEnvironment, listEnvironments } from '@/lib/services';

export const dynamic = 'force-dynamic';

/** Environments in order; the first is where calls that name none go. Viewers. */
export const GET = handler('viewer', async (_req, _ctx, db) => listEnvironments(db));

/** Admins. A duplicate order is 422, a duplicate name 409. */
export const POST = handler('admin', async (req, _ctx, db) => Response.json(await createEnvironment(db, await readJson(req), actorOf(req)), { status: 201 }), {
  action: 'environment.create',
});
