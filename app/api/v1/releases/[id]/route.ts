import { handler, type Params } from '@/lib/api/http';
import { getRelease } from '@/lib/services';

export const dynamic = 'force-dynamic';

export const GET = handler('viewer', async (_req, { params }: Params<{ id: string }>, db) => getRelease(db, (await params).id));
