'use client';

import type { Gate } from '@/lib/engine/gates';
import { Badge } from '../ui/badge';
import { useMay } from '../auth/permissions';

/** Every gate of a deployment with whether it is met; admins may give a reason to go through a refusing one. */
export function GateList({ gates, override, onOverride }: { gates: Gate[]; override: string; onOverride: (reason: string) => void }) {
  const admin = useMay('admin');
  const refusing = gates.filter((g) => g.blocking && !g.met);
  if (gates.length === 0) return <p className="text-xs text-muted" data-testid="gates">Rollbacks pass every gate.</p>;
  return (
    <div className="space-y-2" data-testid="gates">
      <ul className="space-y-1 text-xs">
        {gates.map((g) => (
          <li key={g.gate} className="flex items-start gap-2" data-testid={`gate-${g.gate}`}>
            <Badge tone={g.met ? 'green' : g.blocking ? 'red' : 'violet'}>{g.met ? 'met' : g.blocking ? 'refuses' : 'will wait'}</Badge>
            <span>
              <strong>{g.gate.replace('_', ' ')}</strong>: {g.message}
            </span>
          </li>
        ))}
      </ul>
      {refusing.length > 0 &&
        (admin ? (
          <label className="block text-xs">
            Override as an admin (recorded on the deployment and in the audit log) — reason:
            <input
              className="mt-1 w-full rounded border border-zinc-300 px-2 py-1 dark:border-zinc-700 dark:bg-zinc-900"
              value={override}
              onChange={(e) => onOverride(e.target.value)}
              placeholder="why this cannot wait"
              data-testid="override-reason"
            />
          </label>
        ) : (
          <p className="text-xs text-red-700 dark:text-red-400">A gate refuses this deployment; only an admin can override it, with a reason.</p>
        ))}
    </div>
  );
}

/** Whether the confirm button may be pressed: every refusing gate overridden with a reason. */
export function gatesPass(gates: Gate[] | undefined, override: string): boolean {
  return !(gates ?? []).some((g) => g.blocking && !g.met) || override.trim().length > 0;
}
