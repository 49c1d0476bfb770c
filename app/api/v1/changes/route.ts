import { handler } from '@/lib/api/http';
import { listChanges } from '@/lib/services';

export const dynamic = 'force-dynamic';

/** Every change across services, newest first, with traffic around it: `?service=&limit=`. */
export const GET = handler(async (req, _ctx, db) => ({ changes: await listChanges(db, Object.fromEntries(new URL(req.url).searchParams)) }));
