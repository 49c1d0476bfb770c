import { handler, serviceContext } from '@/lib/api/http';
import { listRollbackWindows } from '@/lib/services';

export const dynamic = 'force-dynamic';

/** The warm rollback windows open now, with their time left (viewers). */
export const GET = handler('viewer', async () => listRollbackWindows(serviceContext()));
