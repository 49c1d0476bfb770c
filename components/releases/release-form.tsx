'use client';

import { useState } from 'react';
import { useRouter } from 'next/navigation';
import { createReleaseAction } from '@/app/actions';
import { Button } from '../ui/button';
import { InlineError } from '../ui/states';
import { useMay } from '../auth/permissions';
import { ScrollRegion } from '../ui/scroll-region';

type ServiceOption = { name: string; liveVersion: string | null; versions: Array<{ version: string; bad: boolean }>; dependencies: string[] };

/** Pick a version for any number of services; Flightdeck orders them into dependency waves. */
export function ReleaseForm({ services }: { services: ServiceOption[] }) {
  const router = useRouter();
  const [chosen, setChosen] = useState<Record<string, string>>({});
  const [strategy, setStrategy] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<{ code: string; message: string } | null>(null);
  const may = useMay('deployer');
  const items = Object.entries(chosen)
    .filter(([, v]) => v)
    .map(([service, version]) => ({ service, version }));

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    const r = await createReleaseAction({ items, ...(strategy ? { strategy } : {}) });
    setBusy(false);
    if (!r.ok) return setError(r.error);
    router.push(`/releases/${(r.data as { id: string }).id}`);
  };
  const input = 'rounded-md border border-zinc-300 bg-white px-2 py-1 text-sm dark:border-zinc-700 dark:bg-zinc-950';
  if (!may) return <p className="text-sm text-muted">Your role can follow releases but not start them.</p>;
  return (
    <form onSubmit={submit} className="space-y-3" data-testid="release-form">
      <ScrollRegion label="Services in the release">
      <table className="w-full text-sm">
        <thead className="text-left text-xs text-muted">
          <tr>
            <th className="py-1">Service</th>
            <th>Live</th>
            <th>Release version</th>
            <th>Depends on</th>
          </tr>
        </thead>
        <tbody>
          {services.map((s) => (
            <tr key={s.name} className="border-t border-zinc-100 dark:border-zinc-800">
              <td className="py-1 font-medium">{s.name}</td>
              <td className="font-mono text-xs">{s.liveVersion ? `v${s.liveVersion}` : '—'}</td>
              <td>
                <select className={input} aria-label={`version of ${s.name}`} value={chosen[s.name] ?? ''} onChange={(e) => setChosen({ ...chosen, [s.name]: e.target.value })} data-testid={`release-version-${s.name}`}>
                  <option value="">not in this release</option>
                  {s.versions
                    .filter((v) => v.version !== s.liveVersion)
                    .map((v) => (
                      <option key={v.version} value={v.version}>
                        v{v.version}
                        {v.bad ? ' (bad)' : ''}
                      </option>
                    ))}
                </select>
              </td>
              <td className="text-xs text-muted">{s.dependencies.join(', ') || '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
      </ScrollRegion>
      <div className="flex flex-wrap items-center gap-3">
        <label className="text-sm">
          Strategy{' '}
          <select className={input} value={strategy} onChange={(e) => setStrategy(e.target.value)} aria-label="Strategy">
            <option value="">each service&apos;s default</option>
            <option value="rolling">rolling</option>
            <option value="blue-green">blue-green</option>
            <option value="canary">canary</option>
            <option value="recreate">recreate</option>
          </select>
        </label>
        <Button type="submit" variant="primary" disabled={busy || items.length === 0} data-testid="release-submit">
          {busy ? 'Starting…' : `Release ${items.length} service${items.length === 1 ? '' : 's'}`}
        </Button>
      </div>
      <InlineError error={error} />
    </form>
  );
}
