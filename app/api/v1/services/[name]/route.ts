import { actorOf, handler, readJson, type Params } from '@/lib/api/http';
import { getService, updateService } from '@/lib/services';

export const dynamic = 'force-dynamic';

export const GET = handler(async (_req, { params }: Params<{ name: string }>, db) => getService(db, (await params).name));

export const PATCH = handler(async (req, { params }: Params<{ name: string }>, db) =>
  updateService(db, (await params).name, await readJson(req), actorOf(req)),
);
