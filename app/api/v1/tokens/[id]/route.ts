import { actorOf, handler, type Params } from '@/lib/api/http';
import { revokeApiToken } from '@/lib/auth/users';

export const dynamic = 'force-dynamic';

/** Revoke: the token stops working at once; the row stays for the record. */
export const DELETE = handler('admin', async (req, { params }: Params<{ id: string }>, db) => revokeApiToken(db, (await params).id, actorOf(req)), {
  action: 'token.revoke',
});
