import { actorOf, handler, readJson } from '@/lib/api/http';
import { createUser, listUsers } from '@/lib/auth/users';

export const dynamic = 'force-dynamic';

export const GET = handler('admin', async (_req, _ctx, db) => ({ users: await listUsers(db) }));

export const POST = handler('admin', async (req, _ctx, db) => Response.json(await createUser(db, await readJson(req), actorOf(req)), { status: 201 }), {
  action: 'user.create',
});
