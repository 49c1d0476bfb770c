import { requireUser } from '@/lib/auth/next';
import { getRelease, serviceContext, currentCursor } from '@/lib/services';
import { orNotFound } from '@/lib/panel/not-found';
import { ReleaseLive, type ReleaseView } from '@/components/releases/release-live';

export const dynamic = 'force-dynamic';

/** A release followed live: waves in dependency order. */
export default async function ReleasePage({ params }: { params: Promise<{ id: string }> }) {
  await requireUser();
  const { id } = await params;
  const db = serviceContext().db;
  const [r, cursor] = await Promise.all([orNotFound(getRelease(db, id)), currentCursor(db)]);
  return <ReleaseLive key={r.id} initial={JSON.parse(JSON.stringify(r)) as ReleaseView} cursor={cursor} />;
}
