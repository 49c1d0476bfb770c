'use client';

import { useState } from 'react';
import { useRouter } from 'next/navigation';
import { breakLeaseAction } from '@/app/actions';
import { Button } from '../ui/button';
import { Dialog } from '../ui/dialog';
import { InlineError } from '../ui/states';
import { useMay } from '../auth/permissions';

/** Admins only: take a stuck lease from its worker, after saying what that does. */
export function BreakLeaseButton({ service, environment, owner }: { service: string; environment?: string; owner: string | null }) {
  const router = useRouter();
  const may = useMay('admin', service);
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<{ code: string; message: string } | null>(null);
  if (!may) return null;
  const confirm = async () => {
    setBusy(true);
    const r = await breakLeaseAction(service, { environment });
    setBusy(false);
    if (!r.ok) return setError(r.error);
    setOpen(false);
    router.refresh();
  };
  return (
    <>
      <Button size="sm" variant="ghost" onClick={() => setOpen(true)} data-testid="break-lease">
        Break lease…
      </Button>
      <Dialog open={open} onClose={() => setOpen(false)} title={`Break the lease on ${service}?`}>
        <p className="text-sm">
          {owner ? `Worker ${owner}` : 'No worker'} loses the deployment at once: its next write is refused. The next free worker claims the deployment and resumes it where it stopped. Use this
          only for a worker that is stuck.
        </p>
        <InlineError error={error} />
        <div className="mt-4 flex justify-end gap-2">
          <Button onClick={() => setOpen(false)}>Cancel</Button>
          <Button variant="danger" onClick={confirm} disabled={busy}>
            Break lease
          </Button>
        </div>
      </Dialog>
    </>
  );
}
