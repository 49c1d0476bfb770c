import { actorOf, handler, readJson, type Params } from '@/lib/api/http';
import { updateUser } from '@/lib/auth/users';

export const dynamic = 'force-dynamic';

/** PATCH {name?, password?, role?, serviceScope?, disabled?} — by id or email. */
export const PATCH = handler('admin', async (req, { params }: Params<{ id: string }>, db) => updateUser(db, (await params).id, await readJson(req), actorOf(req)), {
  action: 'user.update',
});
