'use client';

import { useEffect, useRef, useState } from 'react';
import { useRouter } from 'next/navigation';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { rollbackAction, type ActionResult } from '@/app/actions';
import { Button } from '../ui/button';
import { Dialog } from '../ui/dialog';
import { InlineError } from '../ui/states';
import { getJson } from '../ui/api';
import { fmtDuration, useNow } from '../ui/time';
import { useMay } from '../auth/permissions';
import { RollbackPlanView, type RollbackPlan } from './rollback-plan';

type Windows = { windows: Array<{ service: string; environment: string; version: string; until: string; instances: number }> };

/** The warm rollback window next to the button: which version is warm and for how long. Every button shares one query. */
function WarmChip({ service, environment }: { service: string; environment?: string }) {
  const now = useNow();
  const q = useQuery({ queryKey: ['rollback-windows'], queryFn: () => getJson<Windows>('/api/v1/rollback-windows'), refetchInterval: 30_000 });
  const w = q.data?.windows.find((x) => x.service === service && (environment ? x.environment === environment : true));
  if (!w) return null;
  const left = Math.max(0, Math.round((Date.parse(w.until) - now) / 1000));
  return (
    <span
      className="whitespace-nowrap rounded bg-emerald-100 px-1.5 py-0.5 text-xs font-medium text-emerald-800 dark:bg-emerald-500/15 dark:text-emerald-300"
      title={`v${w.version} still runs out of rotation (${w.instances} instance(s)): a rollback is a traffic switch`}
      data-testid={`warm-${service}${environment ? `-${environment}` : ''}`}
    >
      warm v{w.version} · {fmtDuration(left)} left
    </span>
  );
}

/**
 * One-click rollback: the click asks the server what a rollback would do right now (a dry run:
 * target version, a warm switch or instances to start and how long, migrations undone, hooks,
 * what it undoes), the confirmation says it in words, and confirming does it. Past an
 * irreversible migration an admin gives a reason, which is recorded.
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
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<{ code: string; message: string } | null>(null);
  const may = useMay('deployer', service);
  const admin = useMay('admin', service);
  const confirmRef = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (plan) confirmRef.current?.focus();
  }, [plan]);

  const start = async () => {
    setOpen(true);
    setPlan(null);
    setError(null);
    setReason('');
    const r = (await rollbackAction(service, { dryRun: true, environment })) as ActionResult<RollbackPlan>;
    if (r.ok) setPlan(r.data);
    else setError(r.error);
  };

  const refused = (plan?.migrations.irreversible.length ?? 0) > 0;
  const confirm = async () => {
    setBusy(true);
    setError(null);
    const r = (await rollbackAction(service, { environment, ...(refused ? { override: { reason } } : {}) })) as ActionResult<RollbackPlan>;
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
      <span className="inline-flex items-center gap-2">
        <Button variant="warning" size={size} onClick={start} data-testid={environment ? `rollback-${service}-${environment}` : `rollback-${service}`} aria-haspopup="dialog">
          {label}
        </Button>
        <WarmChip service={service} environment={environment} />
      </span>
      <Dialog open={open} onClose={() => setOpen(false)} title={`Roll back ${service}${environment ? ` in ${environment}` : ''}?`} testId="rollback-dialog">
        {!plan && !error && (
          <p className="text-sm text-muted" role="status">
            Working out the rollback target…
          </p>
        )}
        {plan && <RollbackPlanView plan={plan} />}
        {refused && (
          <div className="mt-2 rounded border border-red-300 p-2 text-sm dark:border-red-500/40" data-testid="rollback-override">
            <p className="text-red-800 dark:text-red-300">{plan?.migrations.refusal}</p>
            {admin ? (
              <label className="mt-1 block">
                Reason to override (recorded)
                <input
                  className="mt-1 block w-full rounded border border-zinc-300 px-2 py-1 dark:border-zinc-700 dark:bg-zinc-900"
                  value={reason}
                  onChange={(e) => setReason(e.target.value)}
                  data-testid="rollback-override-reason"
                />
              </label>
            ) : (
              <p className="mt-1">Only an admin may roll back past it.</p>
            )}
          </div>
        )}
        <InlineError error={error} />
        <div className="mt-4 flex justify-end gap-2">
          <Button onClick={() => setOpen(false)}>Cancel</Button>
          <Button ref={confirmRef} variant="warning" onClick={confirm} disabled={!plan || busy || (refused && (!admin || reason.trim() === ''))} data-testid="rollback-confirm">
            {busy ? 'Rolling back…' : plan?.target ? `Roll back to v${plan.target}` : 'Roll back'}
          </Button>
        </div>
      </Dialog>
    </>
  );
}
