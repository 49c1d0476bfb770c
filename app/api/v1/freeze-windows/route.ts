import { actorOf, handler, readJson } from '@/lib/api/http';
import { systemClock } from '@/lib/clock';
import { createFreezeWindow, listFreezeWindows } from '@/lib/services';

export const dynamic = 'force-dynamic';

/** Every window, and the frozen periods of the next 14 days with overlapping windows merged. Viewers. */
export const GET = handler('viewer', async (_req, _ctx, db) => listFreezeWindows(db, systemClock.now()));

/** Admins: one-off {startsAt, endsAt} or recurring {cron, durationMinutes, timeZone}, with a reason. */
export const POST = handler(
  'admin',
  async (req, _ctx, db) => Response.json(await createFreezeWindow(db, await readJson(req), actorOf(req), systemClock.now()), { status: 201 }),
  { action: 'freeze.create' },
);
