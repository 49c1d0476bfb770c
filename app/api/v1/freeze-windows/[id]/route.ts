import { actorOf, handler, type Params } from '@/lib/api/http';
import { deleteFreezeWindow } from '@/lib/services';

export const dynamic = 'force-dynamic';

/** Admins. */
export const DELETE = handler('admin', async (req, { params }: Params<{ id: string }>, db) => deleteFreezeWindow(db, (await params).id, actorOf(req)), {
  action: 'freeze.delete',
});
