'use client';

import Link from 'next/link';
import { useCallback } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { getJson } from '../ui/api';
import { Breadcrumbs } from '../ui/breadcrumbs';
import { StateBadge } from '../ui/badge';
import { Section } from '../ui/states';
import { Ago } from '../ui/time';
import { useOverviewFeed } from '../realtime/use-overview-feed';
import { ReleaseRollbackButton } from './release-rollback-button';

export type ReleaseView = {
  id: string;
  kind: 'deploy' | 'rollback';
  rollbackOf: string | null;
  rollbacks: Array<{ id: string; state: string }>;
  state: string;
  strategy: string | null;
  waves: string[][];
  currentWave: number;
  actor: string;
  reason: string | null;
  createdAt: string;
  finishedAt: string | null;
  items: Array<{ service: string; version: string; wave: number; deployment: { id: string; state: string; phase: string } | null }>;
};

/** A release followed live: its waves in dependency order, each item's deployment and phase. */
export function ReleaseLive({ initial, cursor }: { initial: ReleaseView; cursor: number }) {
  const qc = useQueryClient();
  const q = useQuery({ queryKey: ['release', initial.id], queryFn: () => getJson<ReleaseView>(`/api/v1/releases/${initial.id}`), initialData: initial, refetchInterval: (x) => (x.state.data?.state === 'running' ? 3000 : false) });
  const refresh = useCallback(() => void qc.invalidateQueries({ queryKey: ['release', initial.id] }), [qc, initial.id]);
  useOverviewFeed(cursor, refresh);
  const r = q.data;
  return (
    <div className="space-y-4">
      <div>
        <Breadcrumbs trail={[{ href: '/releases', label: 'Releases' }]}>
          <span className="font-mono">{r.id.slice(0, 8)}</span>
        </Breadcrumbs>
        <div className="flex flex-wrap items-center justify-between gap-2">
          <h1 className="flex items-center gap-2 text-xl font-semibold">
            {r.kind === 'rollback' ? 'Rollback' : 'Release'} of {r.items.length} service{r.items.length === 1 ? '' : 's'} <StateBadge state={r.state} testId="release-state" />
          </h1>
          {r.kind === 'deploy' && r.state !== 'running' && !r.rollbacks.some((x) => x.state === 'running') && (
            <ReleaseRollbackButton releaseId={r.id} services={r.items.map((i) => i.service)} />
          )}
        </div>
        {r.rollbackOf && (
          <p className="text-sm">
            Rolls back{' '}
            <Link href={`/releases/${r.rollbackOf}`} className="font-mono hover:underline">
              release {r.rollbackOf.slice(0, 8)}
            </Link>
            , dependents first
          </p>
        )}
        {r.rollbacks.length > 0 && (
          <p className="text-sm" data-testid="release-rolled-back">
            Rolled back by{' '}
            {r.rollbacks.map((x, i) => (
              <span key={x.id}>
                {i > 0 && ', '}
                <Link href={`/releases/${x.id}`} className="font-mono hover:underline">
                  {x.id.slice(0, 8)}
                </Link>{' '}
                ({x.state})
              </span>
            ))}
          </p>
        )}
        <p className="text-sm text-muted">
          by {r.actor} · {r.strategy ?? "each service's default strategy"} · created <Ago iso={r.createdAt} />
          {r.reason && <span className="text-red-700 dark:text-red-400"> · {r.reason}</span>}
        </p>
      </div>
      <ol className="grid gap-4 md:grid-cols-3" data-testid="release-waves">
        {r.waves.map((wave, w) => (
          <li key={w}>
            <Section title={`Wave ${w + 1}${w === r.currentWave && r.state === 'running' ? ' · in progress' : w < r.currentWave ? ' · done' : ''}`}>
              <ul className="space-y-2">
                {wave.map((name) => {
                  const item = r.items.find((i) => i.service === name);
                  return (
                    <li key={name} className="rounded border border-zinc-200 p-2 text-sm dark:border-zinc-800" data-testid={`release-item-${name}`}>
                      <div className="flex items-center justify-between gap-2">
                        <span className="font-medium">{name}</span>
                        <span className="font-mono text-xs">v{item?.version}</span>
                      </div>
                      {item?.deployment ? (
                        <Link href={`/deployments/${item.deployment.id}`} className="mt-1 flex items-center gap-2 text-xs hover:underline">
                          <StateBadge state={item.deployment.state} /> <span className="truncate text-muted">{item.deployment.phase}</span>
                        </Link>
                      ) : (
                        <p className="mt-1 text-xs text-muted">{w === 0 ? 'starting' : `waits for wave ${w}`}</p>
                      )}
                    </li>
                  );
                })}
              </ul>
            </Section>
          </li>
        ))}
      </ol>
    </div>
  );
}
