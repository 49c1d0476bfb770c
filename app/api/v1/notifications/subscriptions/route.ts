import { actorOf, handler, readJson } from '@/lib/api/http';
import { createSubscription, listSubscriptions } from '@/lib/services';

export const dynamic = 'force-dynamic';

/** Notification subscriptions, target URLs redacted (viewers). */
export const GET = handler('viewer', async (_req, _ctx, db) => listSubscriptions(db));

/** Subscribe a webhook target to outcomes of one service, or every service (admins). */
export const POST = handler('admin', async (req, _ctx, db) => Response.json(await createSubscription(db, await readJson(req), actorOf(req)), { status: 201 }), {
  action: 'notification.subscribe',
});
