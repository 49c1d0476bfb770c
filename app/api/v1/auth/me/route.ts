import { handler } from '@/lib/api/http';

export const dynamic = 'force-dynamic';

/** Who the credentials belong to: kind, actor, role and service scope. */
export const GET = handler('viewer', async (_req, _ctx, _db, p) => ({ kind: p.kind, id: p.id, actor: p.actor, role: p.role, serviceScope: p.serviceScope }));
