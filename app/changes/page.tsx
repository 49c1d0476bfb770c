import { getDb } from '@/lib/db/client';
import { requireUser } from '@/lib/auth/next';
import { currentCursor } from '@/lib/events/read';
import { listChanges, listServices } from '@/lib/services';
import { ChangesLive } from '@/components/changes/changes-live';

export const dynamic = 'force-dynamic';

/** What changed: every change across services in time order, with the traffic around it, for incident response. */
export default async function ChangesPage() {
  await requireUser();
  const db = getDb();
  const [changes, services, cursor] = await Promise.all([listChanges(db, { limit: 200 }), listServices(db), currentCursor(db)]);
  return <ChangesLive initial={JSON.parse(JSON.stringify(changes))} services={services.map((s) => s.name)} cursor={cursor} />;
}
