'use client';

import { useState } from 'react';
import { useRouter } from 'next/navigation';
import { useQueryClient } from '@tanstack/react-query';
import { promoteAction } from '@/app/actions';
import type { Gate } from '@/lib/engine/gates';
import { Button } from '../ui/button';
import { Dialog } from '../ui/dialog';
import { InlineError } from '../ui/states';
import { useMay } from '../auth/permissions';
import { GateList, gatesPass } from './gates';

type Preview = { to: string; from: string | null; version: string; strategy: string; gates: Gate[]; preview: { summary: string } };

/** Promote the version live in the environment before this one, after checking its gates. */
export function PromoteButton({ service, version, from, to }: { service: string; version: string; from: string; to: string }) {
  const router = useRouter();
  const qc = useQueryClient();
  const may = useMay('deployer', service);
  const [open, setOpen] = useState(false);
  const [plan, setPlan] = useState<Preview | null>(null);
  const [override, setOverride] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<{ code: string; message: string } | null>(null);
  if (!may) return null;

  const start = async () => {
    setOpen(true);
    setPlan(null);
    setError(null);
    const r = await promoteAction(service, { version, to, dryRun: true });
    if (r.ok) setPlan(r.data as Preview);
    else setError(r.error);
  };
  const confirm = async () => {
    setBusy(true);
    setError(null);
    const r = await promoteAction(service, { version, to, ...(override.trim() ? { override: { reason: override.trim() } } : {}) });
    setBusy(false);
    if (!r.ok) return setError(r.error);
    setOpen(false);
    void qc.invalidateQueries();
    const id = (r.data as { deployment: { id: string } | null }).deployment?.id;
    if (id) router.push(`/deployments/${id}`);
  };
  return (
    <>
      <Button onClick={start} data-testid={`promote-${service}-${to}`} aria-haspopup="dialog">
        Promote v{version} from {from}
      </Button>
      <Dialog open={open} onClose={() => setOpen(false)} title={`Promote ${service} v${version} to ${to}?`} testId="promote-dialog">
        {plan && (
          <div className="space-y-3 text-sm">
            <p>
              {from} → {to} with {plan.strategy}: {plan.preview.summary}
            </p>
            <GateList gates={plan.gates} override={override} onOverride={setOverride} />
          </div>
        )}
        <InlineError error={error} />
        <div className="mt-4 flex justify-end gap-2">
          <Button onClick={() => setOpen(false)}>Cancel</Button>
          <Button variant="primary" onClick={confirm} disabled={busy || !plan || !gatesPass(plan.gates, override)} data-testid="promote-confirm">
            Promote to {to}
          </Button>
        </div>
      </Dialog>
    </>
  );
}
