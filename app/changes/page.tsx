import type { Metadata } from 'next';
import { requireUser } from '@/lib/auth/next';
import { listChanges, listServices, serviceContext, currentCursor } from '@/lib/services';
import { ChangesLive } from '@/components/changes/changes-live';

export const metadata: Metadata = { title: 'What changed' };

export const dynamic = 'force-dynamic';

/** What changed: every change across services in time order, with the traffic around it, for incident response. */
export default async function ChangesPage() {
  await requireUser();
  const db = serviceContext().db;
  const [changes, services, cursor] = await Promise.all([listChanges(db, { limit: 200 }), listServices(db), currentCursor(db)]);
  return <ChangesLive initial={JSON.parse(JSON.stringify(changes))} services={services.map((s) => s.name)} cursor={cursor} />;
}
