import { requireUser } from '@/lib/auth/next';
import { listHosts, serviceContext } from '@/lib/services';
import { drainHostAction, registerHostAction } from '../actions';
import { RegisterHostForm } from '../forms';
import { ScrollRegion } from '@/components/ui/scroll-region';

export const dynamic = 'force-dynamic';

async function drain(form: FormData) {
  'use server';
  await drainHostAction(form);
}

const STATE_STYLE: Record<string, string> = {
  ready: 'text-emerald-700 dark:text-emerald-400',
  draining: 'text-amber-700 dark:text-amber-400',
  unreachable: 'text-red-700 dark:text-red-400',
  pending: 'text-muted',
};

const when = (iso: string | null) => (iso ? iso.slice(0, 19).replace('T', ' ') : '—');

export default async function HostsPage() {
  const p = await requireUser();
  if (p.role !== 'admin') return null;
  const { hosts } = await listHosts(serviceContext().db);
  return (
    <div className="space-y-6">
      <h1 className="text-xl font-semibold">Hosts</h1>
      <p className="text-sm text-muted">
        The fleet runtime (<code className="font-mono">FLIGHTDECK_RUNTIME=fleet</code>, or an environment whose runtime driver is <code className="font-mono">fleet</code>) spreads each
        service&apos;s instances over the hosts of its pool, behind HAProxy. Each host runs{' '}
        <code className="font-mono">npx flightdeck agent --listen ADDR:PORT --token-file FILE</code>; register it here with that address and token. A host silent for 2 s is unreachable: its
        instances leave rotation at once.
      </p>
      <RegisterHostForm action={registerHostAction} />
      {hosts.length === 0 ? (
        <p className="rounded-md border border-dashed border-zinc-300 p-4 text-sm text-muted dark:border-zinc-700">No host is registered: the fleet runtime has nowhere to run instances.</p>
      ) : (
      <ScrollRegion label="Registered hosts">
      <table className="w-full text-left text-sm">
        <thead className="whitespace-nowrap text-muted">
          <tr>
            <th className="py-2">Name</th>
            <th>Pool</th>
            <th>State</th>
            <th>Agent</th>
            <th>Instances</th>
            <th>Last heartbeat</th>
            <th>Labels</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {hosts.map((h) => (
            <tr key={h.name} data-testid={`host-row-${h.name}`} className="border-t border-zinc-200 align-top dark:border-zinc-800">
              <td className="py-2 font-medium">{h.name}</td>
              <td>{h.pool}</td>
              <td>
                <span className={STATE_STYLE[h.state]} data-testid={`host-state-${h.name}`}>
                  {h.state}
                </span>
                {h.stateChangedAt ? <div className="text-xs text-muted">since {when(h.stateChangedAt)}</div> : null}
                {h.lastError ? <div className="text-xs text-red-700 dark:text-red-400">{h.lastError}</div> : null}
              </td>
              <td className="font-mono text-xs">
                {h.address}
                {h.tls ? ' (TLS)' : ''}
              </td>
              <td>
                {h.observed ? `${h.observed.instances}` : '—'}
                {h.capacity ? ` / ${h.capacity}` : ''}
                {h.observed ? <div className="text-xs text-muted">{`${h.observed.cpus} CPU, ${Math.round(h.observed.memoryMb / 1024)} GiB`}</div> : null}
              </td>
              <td className="text-muted">{when(h.lastHeartbeatAt)}</td>
              <td className="text-xs">
                {Object.entries(h.labels)
                  .map(([k, v]) => `${k}=${v}`)
                  .join(', ') || '—'}
              </td>
              <td>
                <form action={drain}>
                  <input type="hidden" name="name" value={h.name} />
                  <input type="hidden" name="draining" value={String(!h.draining)} />
                  <button className="rounded border border-zinc-300 px-2 py-0.5 text-xs dark:border-zinc-700" aria-label={`${h.draining ? 'Undrain' : 'Drain'} ${h.name}`}>{h.draining ? 'Undrain' : 'Drain'}</button>
                </form>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      </ScrollRegion>
      )}
    </div>
  );
}
