import { actorOf, handler, readJson } from '@/lib/api/http';
import { createApiToken, listApiTokens } from '@/lib/auth/users';

export const dynamic = 'force-dynamic';

export const GET = handler('admin', async (_req, _ctx, db) => ({ tokens: await listApiTokens(db) }));

/** The answer's `token` is the only time the secret is shown. */
export const POST = handler('admin', async (req, _ctx, db) => Response.json(await createApiToken(db, await readJson(req), actorOf(req)), { status: 201 }), {
  action: 'token.create',
});
