'use client';

import Link from 'next/link';
import { useState } from 'react';
import { useRouter } from 'next/navigation';
import { decideAction } from '@/app/actions';
import { Button } from '../ui/button';
import { InlineError } from '../ui/states';
import { Ago } from '../ui/time';
import { useMay } from '../auth/permissions';

export interface ApprovalItem {
  id: string;
  service: string;
  environment: string;
  strategy: string;
  from: string | null;
  to: string;
  actor: string;
  reason: string | null;
  createdAt: string;
  mayDecide: boolean;
  whyNot: string | null;
  approval: { required: number; expiresAt: string | null; decisions: Array<{ actor: string; decision: string; comment: string; at: string }> } | null;
  steps: Array<{ index: number; description: string }>;
}

/** One waiting request: what it would do, who asked, who approved so far, and Approve / Reject. */
export function ApprovalCard({ item }: { item: ApprovalItem }) {
  const router = useRouter();
  const mayApprove = useMay('approver', item.service);
  const [comment, setComment] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<{ code: string; message: string } | null>(null);
  const decide = async (decision: 'approve' | 'reject') => {
    setBusy(true);
    setError(null);
    const r = await decideAction(item.id, decision, { comment });
    setBusy(false);
    if (!r.ok) return setError(r.error);
    router.refresh();
  };
  const approved = item.approval?.decisions.filter((d) => d.decision === 'approved') ?? [];
  return (
    <li className="rounded-lg border border-violet-300 p-4 dark:border-violet-500/40" data-testid={`approval-${item.id}`}>
      <div className="flex flex-wrap items-baseline justify-between gap-2">
        <Link href={`/deployments/${item.id}`} className="font-medium hover:underline">
          {item.service}: {item.from ? `v${item.from}` : 'nothing'} → v{item.to} in {item.environment} ({item.strategy})
        </Link>
        <span className="text-xs text-muted">
          asked by {item.actor} <Ago iso={item.createdAt} />
          {item.approval?.expiresAt && (
            <>
              {' '}
              · expires <Ago iso={item.approval.expiresAt} />
            </>
          )}
        </span>
      </div>
      {item.reason && <p className="text-sm text-zinc-600 dark:text-zinc-300">{item.reason}</p>}
      <p className="mt-1 text-sm">
        {approved.length} of {item.approval?.required ?? 0} approvals{approved.length ? `: ${approved.map((d) => d.actor).join(', ')}` : ''}
      </p>
      <details className="mt-2 text-sm">
        <summary className="cursor-pointer text-zinc-600 dark:text-zinc-300">The plan ({item.steps.length} steps)</summary>
        <ol className="mt-1 list-decimal pl-6 text-xs">
          {item.steps.map((s) => (
            <li key={s.index}>{s.description}</li>
          ))}
        </ol>
      </details>
      {mayApprove &&
        (item.mayDecide ? (
          <div className="mt-3 flex flex-wrap items-end gap-2">
            <label className="text-xs" htmlFor={`comment-${item.id}`}>
              Comment
              <input
                id={`comment-${item.id}`}
                className="block w-72 rounded border border-zinc-300 px-2 py-1 text-sm dark:border-zinc-700 dark:bg-zinc-900"
                value={comment}
                onChange={(e) => setComment(e.target.value)}
              />
            </label>
            <Button variant="primary" onClick={() => decide('approve')} disabled={busy} data-testid={`approve-${item.id}`}>
              Approve
            </Button>
            <Button variant="danger" onClick={() => decide('reject')} disabled={busy} data-testid={`reject-${item.id}`}>
              Reject
            </Button>
          </div>
        ) : (
          <p className="mt-2 text-xs text-muted">You cannot decide this one: {item.whyNot}.</p>
        ))}
      <InlineError error={error} />
    </li>
  );
}
