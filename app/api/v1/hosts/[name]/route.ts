import { actorOf, handler, readJson, type Params } from '@/lib/api/http';
import { getHost, updateHost } from '@/lib/services';

export const dynamic = 'force-dynamic';

/** One host. Viewers. */
export const GET = handler('viewer', async (_req, { params }: Params<{ name: string }>, db) => getHost(db, (await params).name));

/** Drain a host, change its labels or capacity, or give it its agent's new address or token (admins). */
export const PATCH = handler('admin', async (req, { params }: Params<{ name: string }>, db) => updateHost(db, (await params).name, await readJson(req), actorOf(req)), {
  action: 'host.update',
});
