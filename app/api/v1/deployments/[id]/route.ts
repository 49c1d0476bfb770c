import { handler, type Params } from '@/lib/api/http';
import { getDeployment } from '@/lib/services';

export const dynamic = 'force-dynamic';

export const GET = handler('viewer', async (_req, { params }: Params<{ id: string }>, db) => getDeployment(db, (await params).id));
