'use client';

import { useCallback, useState } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import type { Change } from '@/lib/services/changes';
import { getJson } from '../ui/api';
import { ErrorState } from '../ui/states';
import { useOverviewFeed } from '../realtime/use-overview-feed';
import { RollbackButton } from '../services/rollback-button';
import { ChangeList } from './change-list';

/** Every change across services, newest first, with traffic around it; filter by service; roll back from here. */
export function ChangesLive({ initial, services, cursor }: { initial: Change[]; services: string[]; cursor: number }) {
  const qc = useQueryClient();
  const [service, setService] = useState('');
  const q = useQuery({
    queryKey: ['changes', 'all', service],
    queryFn: async () => (await getJson<{ changes: Change[] }>(`/api/v1/changes?limit=200${service ? `&service=${encodeURIComponent(service)}` : ''}`)).changes,
    initialData: service === '' ? initial : undefined,
    refetchInterval: 10000,
  });
  const refresh = useCallback(() => void qc.invalidateQueries({ queryKey: ['changes'] }), [qc]);
  useOverviewFeed(cursor, refresh);
  const rolledBackable = new Set(services);
  return (
    <div className="space-y-3">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <h1 className="text-xl font-semibold">What changed</h1>
        <label className="text-sm">
          Service{' '}
          <select className="rounded-md border border-zinc-300 bg-white px-2 py-1 text-sm dark:border-zinc-700 dark:bg-zinc-950" value={service} onChange={(e) => setService(e.target.value)} data-testid="changes-filter">
            <option value="">all services</option>
            {services.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </label>
      </div>
      <p className="text-sm text-muted">
        Newest first. Each recent deployment shows its service&apos;s error rate and requests in the 5 minutes before and after it (while the runtime still holds them). Roll back is offered only
        where it undoes the newest change in that environment.
      </p>
      {q.isError ? (
        <ErrorState error={q.error} what="changes" />
      ) : q.data ? (
        <div className="rounded-lg border border-zinc-200 bg-white px-4 dark:border-zinc-800 dark:bg-zinc-900/40">
          <ChangeList changes={q.data} rollback={(s, env) => (rolledBackable.has(s) ? <RollbackButton service={s} environment={env} /> : null)} />
        </div>
      ) : null}
    </div>
  );
}
