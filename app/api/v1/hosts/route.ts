import { actorOf, handler, readJson } from '@/lib/api/http';
import { listHosts, registerHost } from '@/lib/services';

export const dynamic = 'force-dynamic';

/** The fleet's hosts with their state from the heartbeats. Viewers. */
export const GET = handler('viewer', async (_req, _ctx, db) => listHosts(db));

/** Register a host's agent (admins). The agent must accept the token: a wrong one is 422, and nothing is stored. */
export const POST = handler('admin', async (req, _ctx, db) => Response.json(await registerHost(db, await readJson(req), actorOf(req)), { status: 201 }), {
  action: 'host.register',
});
