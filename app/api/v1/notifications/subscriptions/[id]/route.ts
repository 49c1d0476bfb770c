import { handler, type Params } from '@/lib/api/http';
import { deleteSubscription } from '@/lib/services';

export const dynamic = 'force-dynamic';

/** Admins. */
export const DELETE = handler('admin', async (_req, { params }: Params<{ id: string }>, db) => deleteSubscription(db, (await params).id), { action: 'notification.unsubscribe' });
