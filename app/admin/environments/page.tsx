import type { Metadata } from 'next';
import { requireUser } from '@/lib/auth/next';
import { listEnvironments, serviceContext } from '@/lib/services';
import { createEnvironmentAction, updateEnvironmentAction } from '../actions';
import { EnvironmentForm } from '../forms';

export const metadata: Metadata = { title: 'Environments · Admin' };

export const dynamic = 'force-dynamic';

export default async function EnvironmentsPage() {
  const p = await requireUser();
  if (p.role !== 'admin') return null;
  const { environments } = await listEnvironments(serviceContext().db);
  return (
    <div className="space-y-6">
      <h1 className="text-xl font-semibold">Environments</h1>
      <p className="text-sm text-muted">
        A version goes through them in order: it reaches one only after succeeding — and soaking — in the one before. Calls that name no environment act on the first (
        <span className="font-mono">{environments[0]?.name ?? '—'}</span>). Protected environments need approvals from people other than the requester.
      </p>
      <ul className="space-y-4">
        {environments.map((e) => (
          <li key={e.id} className="rounded border border-zinc-200 p-3 dark:border-zinc-800" data-testid={`environment-${e.name}`}>
            <div className="mb-2 text-sm">
              <strong>{e.name}</strong> · order {e.order}
              {e.default && ' · default'} · {e.protected ? `protected: ${e.requiredApprovals} approval${e.requiredApprovals === 1 ? '' : 's'}` : 'unprotected'} · soak {e.soakMinutes} min
              {e.next && ` · then ${e.next}`}
            </div>
            <EnvironmentForm action={updateEnvironmentAction} initial={e} />
          </li>
        ))}
      </ul>
      <h2 className="text-base font-semibold">New environment</h2>
      <EnvironmentForm action={createEnvironmentAction} />
    </div>
  );
}
