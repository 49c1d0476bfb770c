import { handler, type Params } from '@/lib/api/http';
import { listInstances } from '@/lib/services';
import { AppError } from '@/lib/errors/app-error';

export const dynamic = 'force-dynamic';

/** Instances of the service as the runtime sees them, with rotation weight and last log lines (`?lines=`, default 5). */
export const GET = handler(async (req, { params }: Params<{ name: string }>, db) => {
  const raw = new URL(req.url).searchParams.get('lines');
  const lines = raw === null ? 5 : Number(raw);
  if (!Number.isInteger(lines) || lines < 0 || lines > 200) {
    throw new AppError('invalid', `lines must be an integer from 0 to 200, got ${JSON.stringify(raw)}`);
  }
  return listInstances(db, (await params).name, { logLines: lines, environment: new URL(req.url).searchParams.get('environment') });
});
