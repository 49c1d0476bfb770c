import { getDb } from '@/lib/db/client';
import { requireUser } from '@/lib/auth/next';
import { currentCursor } from '@/lib/events/read';
import { getRelease } from '@/lib/services';
import { orNotFound } from '@/lib/panel/not-found';
import { ReleaseLive, type ReleaseView } from '@/components/releases/release-live';

export const dynamic = 'force-dynamic';

/** A release followed live: waves in dependency order. */
export default async function ReleasePage({ params }: { params: Promise<{ id: string }> }) {
  await requireUser();
  const { id } = await params;
  const db = getDb();
  const [r, cursor] = await Promise.all([orNotFound(getRelease(db, id)), currentCursor(db)]);
  return <ReleaseLive key={r.id} initial={JSON.parse(JSON.stringify(r)) as ReleaseView} cursor={cursor} />;
}
