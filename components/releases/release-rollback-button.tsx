'use client';

import { useState } from 'react';
import { useRouter } from 'next/navigation';
import { rollbackReleaseAction, type ActionResult } from '@/app/actions';
import { Button } from '../ui/button';
import { Badge } from '../ui/badge';
import { Dialog } from '../ui/dialog';
import { InlineError } from '../ui/states';
import { useMay, useMe } from '../auth/permissions';
import type { RollbackPlan } from '../services/rollback-plan';

type ReleaseRollbackPlan = {
  waves: string[][];
  items: Array<{ service: string; wave: number; from: string; to: string; preview: RollbackPlan }>;
  skipped: Array<{ service: string; reason: string }>;
  release: { id: string } | null;
};

/**
 * Roll a whole release back: the click asks for the plan (a dry run: each service from which
 * version to which, wave by wave in reverse dependency order, warm or not), confirming starts
 * the rollback release and opens its page.
 */
export function ReleaseRollbackButton({ releaseId, services }: { releaseId: string; services: string[] }) {
  const router = useRouter();
  const [open, setOpen] = useState(false);
  const [plan, setPlan] = useState<ReleaseRollbackPlan | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<{ code: string; message: string } | null>(null);
  const me = useMe();
  // A deployer scoped to some services may roll back only a release whose every service is in scope.
  const mayAll = useMay('deployer') && (!me || me.serviceScope.length === 0 || services.every((s) => me.serviceScope.includes(s)));

  const start = async () => {
    setOpen(true);
    setPlan(null);
    setError(null);
    const r = (await rollbackReleaseAction(releaseId, { dryRun: true })) as ActionResult<ReleaseRollbackPlan>;
    if (r.ok) setPlan(r.data);
    else setError(r.error);
  };
  const confirm = async () => {
    setBusy(true);
    setError(null);
    const r = (await rollbackReleaseAction(releaseId, {})) as ActionResult<ReleaseRollbackPlan>;
    setBusy(false);
    if (!r.ok) return setError(r.error);
    setOpen(false);
    if (r.data.release) router.push(`/releases/${r.data.release.id}`);
  };

  if (!mayAll) return null;
  return (
    <>
      <Button variant="warning" onClick={start} data-testid="release-rollback" aria-haspopup="dialog">
        Roll back release…
      </Button>
      <Dialog open={open} onClose={() => setOpen(false)} title="Roll back this release?" testId="release-rollback-dialog" wide>
        {!plan && !error && <p className="text-sm text-zinc-500">Working out the plan…</p>}
        {plan && (
          <div className="space-y-2 text-sm" data-testid="release-rollback-plan">
            {plan.items.length === 0 ? (
              <p>Nothing of this release can be rolled back.</p>
            ) : (
              <ol className="space-y-1">
                {plan.waves.map((wave, i) => (
                  <li key={i}>
                    <span className="font-medium">Wave {i + 1}:</span>{' '}
                    {plan.items
                      .filter((it) => wave.includes(it.service))
                      .map((it) => (
                        <span key={it.service} className="mr-3 inline-flex items-center gap-1" data-testid={`release-rollback-item-${it.service}`}>
                          {it.service} <span className="font-mono">v{it.from} → v{it.to}</span>
                          {it.preview.warm ? <Badge tone="green">warm</Badge> : <Badge tone="amber">starts {it.preview.startsInstances ?? '?'}</Badge>}
                          {it.preview.migrations.irreversible.length > 0 && <Badge tone="red">irreversible migration</Badge>}
                        </span>
                      ))}
                  </li>
                ))}
              </ol>
            )}
            <p className="text-zinc-600 dark:text-zinc-400">Dependents go back first; a wave that fails stops the rest.</p>
            {plan.skipped.length > 0 && (
              <p className="text-zinc-600 dark:text-zinc-400">Left alone: {plan.skipped.map((s) => `${s.service} (${s.reason})`).join('; ')}</p>
            )}
          </div>
        )}
        <InlineError error={error} />
        <div className="mt-4 flex justify-end gap-2">
          <Button onClick={() => setOpen(false)}>Cancel</Button>
          <Button variant="warning" onClick={confirm} disabled={!plan || plan.items.length === 0 || busy} data-testid="release-rollback-confirm">
            {busy ? 'Rolling back…' : `Roll back ${plan?.items.length ?? ''} service${plan?.items.length === 1 ? '' : 's'}`}
          </Button>
        </div>
      </Dialog>
    </>
  );
}
