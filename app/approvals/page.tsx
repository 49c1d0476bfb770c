import type { Metadata } from 'next';
import { requireUser } from '@/lib/auth/next';
import { listApprovals, serviceContext, currentCursor } from '@/lib/services';
import { Empty } from '@/components/ui/states';
import { ApprovalCard } from '@/components/approvals/approval-card';
import { LiveRefresh } from '@/components/realtime/live-refresh';

export const metadata: Metadata = { title: 'Approvals' };

export const dynamic = 'force-dynamic';

/** The approvals inbox: every deployment waiting for approval, with the plan to approve. */
export default async function ApprovalsPage() {
  const p = await requireUser();
  const db = serviceContext().db;
  const [{ approvals }, cursor] = await Promise.all([listApprovals(db, p.actor), currentCursor(db)]);
  return (
    <div className="space-y-4">
      <LiveRefresh cursor={cursor} />
      <h1 className="text-xl font-semibold">Approvals</h1>
      <p className="text-sm text-muted">Deployments into protected environments wait here until enough approvers other than their requester approve them. One rejection ends a request.</p>
      {approvals.length === 0 ? (
        <Empty>Nothing is waiting for approval.</Empty>
      ) : (
        <ul className="space-y-4" data-testid="approvals">
          {approvals.map((a) => (
            <ApprovalCard key={a.id} item={JSON.parse(JSON.stringify(a))} />
          ))}
        </ul>
      )}
    </div>
  );
}
