'use client';

import Link from 'next/link';
import { useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { controlAction } from '@/app/actions';
import { Button } from '../ui/button';
import { Dialog } from '../ui/dialog';
import { InlineError } from '../ui/states';
import { RollbackButton } from '../services/rollback-button';
import { useMay } from '../auth/permissions';

type D = {
  id: string;
  service: string;
  environment: string;
  state: string;
  from: string | null;
  to: string;
  kind: string;
  reverting: unknown;
  steps: Array<{ kind: string }>;
  step: number;
  approval?: { required: number; decisions: Array<{ decision: string }> } | null;
};

type Pending = { action: 'pause' | 'resume' | 'promote' | 'abort'; title: string; body: string; confirm: string; danger: boolean };

/**
 * Pause / Resume / Promote / Abort / Roll back, each shown only when legal; destructive ones say
 * what will happen first. Abort and Roll back both stop a running deployment and send traffic
 * back; they differ in whether the new version is marked bad, which the panel says in words.
 * Roll back on a finished deployment only while its version is the one live: otherwise it would
 * undo something else.
 */
export function DeploymentControls({ d, isLive }: { d: D; isLive: boolean }) {
  const qc = useQueryClient();
  const [pending, setPending] = useState<Pending | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<{ code: string; message: string } | null>(null);
  const may = useMay('deployer', d.service);
  const active = d.state === 'queued' || d.state === 'running' || d.state === 'paused';
  const at = d.steps[d.step]?.kind;
  const back = d.from ? `traffic returns to v${d.from}` : 'nothing serves afterwards (there was no earlier version)';

  const run = async (p: Pending) => {
    setBusy(true);
    setError(null);
    const r = await controlAction(d.id, p.action, {});
    setBusy(false);
    if (!r.ok) return setError(r.error);
    setPending(null);
    await qc.invalidateQueries({ queryKey: ['deployment', d.id] });
  };
  const ask = (p: Pending) => {
    setError(null);
    if (p.danger || p.action === 'promote') setPending(p);
    else void run(p);
  };

  if (!may) return <p className="text-xs text-muted" data-testid="read-only">Read-only: your role cannot change deployments.</p>;
  const waiting = d.state === 'awaiting_approval';
  const approvals = d.approval?.decisions.filter((x) => x.decision === 'approved').length ?? 0;
  return (
    <div className="flex flex-wrap items-center gap-2" data-testid="controls">
      {waiting && (
        <>
          <span className="text-sm" data-testid="awaiting-approval">
            Waiting for approval: {approvals} of {d.approval?.required ?? 0} — approvers decide in{' '}
            <Link href="/approvals" className="underline">
              Approvals
            </Link>
          </span>
          <Button
            onClick={() => ask({ action: 'abort', title: `Withdraw the request for v${d.to}?`, body: 'Nothing has run yet; the request ends and the service is free again.', confirm: 'Withdraw', danger: true })}
            disabled={busy}
            data-testid="control-withdraw"
          >
            Withdraw request
          </Button>
        </>
      )}
      {active && !d.reverting && d.state !== 'paused' && (
        <Button onClick={() => ask({ action: 'pause', title: '', body: '', confirm: '', danger: false })} disabled={busy} data-testid="control-pause">
          Pause
        </Button>
      )}
      {d.state === 'paused' && !d.reverting && (
        <Button onClick={() => ask({ action: 'resume', title: '', body: '', confirm: '', danger: false })} disabled={busy} data-testid="control-resume">
          Resume
        </Button>
      )}
      {active && !d.reverting && (at === 'analysis' || at === 'hold' || at === 'verify') && (
        <Button
          onClick={() =>
            ask({
              action: 'promote',
              title: `Promote v${d.to}?`,
              body: at === 'analysis' ? 'Skips the rest of this analysis window and moves to the next traffic step, on your word rather than on evidence.' : 'Ends the hold and switches traffic to the new version.',
              confirm: 'Promote',
              danger: false,
            })
          }
          disabled={busy}
          data-testid="control-promote"
        >
          Promote
        </Button>
      )}
      {active && !d.reverting && (
        <Button
          onClick={() =>
            ask({
              action: 'abort',
              title: `Abort the deployment of v${d.to}?`,
              body: `The deployment stops, ${back}, and the v${d.to} instances are stopped. v${d.to} is not marked bad (Roll back does that).`,
              confirm: `Abort: ${d.from ? `back to v${d.from}` : 'stop'}`,
              danger: true,
            })
          }
          disabled={busy}
          data-testid="control-abort"
        >
          Abort
        </Button>
      )}
      {(active || (d.state === 'succeeded' && isLive)) && d.kind !== 'rollback' && !d.reverting && <RollbackButton service={d.service} environment={d.environment} size="md" />}
      {active && !d.reverting && d.kind !== 'rollback' && (
        <p className="basis-full text-xs text-muted" data-testid="controls-help">
          <strong>Abort</strong> stops here: {back}; v{d.to} stays deployable. <strong>Roll back</strong> does the same and marks v{d.to} bad, so nobody deploys it again by
          mistake.
        </p>
      )}
      <InlineError error={error} />
      <Dialog open={pending !== null} onClose={() => setPending(null)} title={pending?.title ?? ''} testId="control-dialog">
        <p className="text-sm">{pending?.body}</p>
        <InlineError error={error} />
        <div className="mt-4 flex justify-end gap-2">
          <Button onClick={() => setPending(null)}>Cancel</Button>
          <Button variant={pending?.danger ? 'danger' : 'primary'} onClick={() => pending && run(pending)} disabled={busy} data-testid="control-confirm">
            {pending?.confirm}
          </Button>
        </div>
      </Dialog>
    </div>
  );
}
