import { requireUser } from '@/lib/auth/next';
import { getRelease, serviceContext, currentCursor } from '@/lib/services';
import { orNotFound } from '@/lib/panel/not-found';
import { titled } from '@/lib/panel/titles';
import { shortId } from '@/lib/panel/words';
import { ReleaseLive, type ReleaseView } from '@/components/releases/release-live';

export const dynamic = 'force-dynamic';

type Props = { params: Promise<{ id: string }> };

export async function generateMetadata({ params }: Props) {
  const { id } = await params;
  return titled(async () => {
    const r = await getRelease(serviceContext().db, id);
    return `Release ${shortId(r.id)} · ${r.items.length} service${r.items.length === 1 ? '' : 's'}`;
  });
}

/** A release followed live: waves in dependency order. */
export default async function ReleasePage({ params }: Props) {
  await requireUser();
  const { id } = await params;
  const db = serviceContext().db;
  const [r, cursor] = await Promise.all([orNotFound(getRelease(db, id)), currentCursor(db)]);
  return <ReleaseLive key={r.id} initial={JSON.parse(JSON.stringify(r)) as ReleaseView} cursor={cursor} />;
}
