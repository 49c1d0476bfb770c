'use client';

import { useEffect, useRef, useState } from 'react';
import { useRouter } from 'next/navigation';
import { useQueryClient } from '@tanstack/react-query';
import { rollbackAction, type ActionResult } from '@/app/actions';
import { Button } from '../ui/button';
import { Dialog } from '../ui/dialog';
import { InlineError } from '../ui/states';
import { useMay } from '../auth/permissions';

type RollbackPlan = {
  mode: 'abort-in-flight' | 'deployment';
  deploymentId: string | null;
  from: string | null;
  target: string | null;
  skipped: Array<{ semver: string; reason: string }>;
};

/**
 * One-click rollback: the click asks the server what a rollback would do right now (a dry
 * run: target version, abort-in-flight or a fast deployment, versions skipped as bad), the
 * confirmation says it in words, and confirming does it.
 */
export function RollbackButton({
  service,
  environment,
  size = 'sm',
  label = 'Roll back',
}: {
  service: string;
  /** The environment to roll back in (the first one when absent). */
  environment?: string;
  size?: 'sm' | 'md';
  label?: string;
}) {
  const router = useRouter();
  const qc = useQueryClient();
  const [open, setOpen] = useState(false);
  const [plan, setPlan] = useState<RollbackPlan | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<{ code: string; message: string } | null>(null);
  const may = useMay('deployer', service);
  const confirmRef = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (plan) confirmRef.current?.focus();
  }, [plan]);

  const start = async () => {
    setOpen(true);
    setPlan(null);
    setError(null);
    const r = (await rollbackAction(service, { dryRun: true, environment })) as ActionResult<RollbackPlan>;
    if (r.ok) setPlan(r.data);
    else setError(r.error);
  };

  const confirm = async () => {
    setBusy(true);
    setError(null);
    const r = (await rollbackAction(service, { environment })) as ActionResult<RollbackPlan>;
    setBusy(false);
    if (!r.ok) return setError(r.error);
    setOpen(false);
    void qc.invalidateQueries();
    const id = r.data.deploymentId;
    if (id) router.push(`/deployments/${id}`);
    else router.refresh();
  };

  if (!may) return null;
  return (
    <>
      <Button variant="warning" size={size} onClick={start} data-testid={environment ? `rollback-${service}-${environment}` : `rollback-${service}`} aria-haspopup="dialog">
        {label}
      </Button>
      <Dialog open={open} onClose={() => setOpen(false)} title={`Roll back ${service}${environment ? ` in ${environment}` : ''}?`} testId="rollback-dialog">
        {!plan && !error && (
          <p className="text-sm text-muted" role="status">
            Working out the rollback target…
          </p>
        )}
        {plan && (
          <div className="space-y-2 text-sm" data-testid="rollback-plan">
            {plan.target ? (
              <p className="text-base">
                Traffic returns to <strong className="font-mono">v{plan.target}</strong>
                {plan.from && (
                  <>
                    {' '}
                    from <span className="font-mono">v{plan.from}</span>
                  </>
                )}
                .
              </p>
            ) : (
              <p className="text-base">No earlier version served: the in-flight deployment stops and nothing serves.</p>
            )}
            {plan.mode === 'abort-in-flight' ? (
              <p className="text-muted">
                The deployment in flight is aborted and v{plan.from} is marked bad. Traffic moves back at once; no new instances start.
              </p>
            ) : (
              <p className="text-muted">
                {plan.from ? `v${plan.from} is marked bad and ` : ''}v{plan.target} is deployed blue-green: it starts beside the current version, then traffic switches atomically.
              </p>
            )}
            {plan.skipped.some((s) => s.reason !== 'current version') && (
              <p className="text-muted">
                Passed over:{' '}
                {plan.skipped
                  .filter((s) => s.reason !== 'current version')
                  .map((s) => `v${s.semver} (${s.reason})`)
                  .join(', ')}
              </p>
            )}
          </div>
        )}
        <InlineError error={error} />
        <div className="mt-4 flex justify-end gap-2">
          <Button onClick={() => setOpen(false)}>Cancel</Button>
          <Button ref={confirmRef} variant="warning" onClick={confirm} disabled={!plan || busy} data-testid="rollback-confirm">
            {busy ? 'Rolling back…' : plan?.target ? `Roll back to v${plan.target}` : 'Roll back'}
          </Button>
        </div>
      </Dialog>
    </>
  );
}
