import { handler } from '@/lib/api/http';
import { listAudit } from '@/lib/auth/audit';

export const dynamic = 'force-dynamic';

/** GET ?limit=&before=&actor=&outcome=&action= — newest first. Admins. */
export const GET = handler('admin', async (req, _ctx, db) => ({ entries: await listAudit(db, Object.fromEntries(new URL(req.url).searchParams)) }));
