import type { Metadata } from 'next';
import { getOverview, listChanges, serviceContext } from '@/lib/services';
import { requireUser } from '@/lib/auth/next';
import { OverviewBoard } from '@/components/services/overview-board';

export const metadata: Metadata = { title: 'Overview' };

export const dynamic = 'force-dynamic';

/** Overview: every service — live version, health, traffic, deployment in flight, one-click rollback — and recent changes. */
export default async function OverviewPage() {
  await requireUser();
  const db = serviceContext().db;
  const [overview, changes] = await Promise.all([getOverview(db), listChanges(db, { limit: 12 })]);
  return <OverviewBoard initial={JSON.parse(JSON.stringify(overview))} initialChanges={JSON.parse(JSON.stringify(changes))} />;
}
