'use client';

import Link from 'next/link';
import { useCallback } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import type { OverviewCell, OverviewEnvironment, ServiceOverview } from '@/lib/services/overview';
import type { Change } from '@/lib/services/changes';
import { getJson } from '../ui/api';
import { Badge, StateBadge } from '../ui/badge';
import { Empty, ErrorState, Section } from '../ui/states';
import { Ago } from '../ui/time';
import { useOverviewFeed } from '../realtime/use-overview-feed';
import { RollbackButton } from './rollback-button';
import { ChangeList } from '../changes/change-list';
import { Progress } from '../deployments/progress';

type Overview = { environments: OverviewEnvironment[]; services: ServiceOverview[]; at: string; cursor: number };

export function pct(x: number | null | undefined, digits = 1): string {
  return x === null || x === undefined ? '—' : `${(x * 100).toFixed(digits)} %`;
}

/** Services × environments: each cell what is live there, its health and traffic, what is in flight, and Roll back. */
export function OverviewBoard({ initial, initialChanges }: { initial: Overview; initialChanges: Change[] }) {
  const qc = useQueryClient();
  const overview = useQuery({ queryKey: ['overview'], queryFn: () => getJson<Overview>('/api/v1/overview'), initialData: initial, refetchInterval: 5000 });
  const changes = useQuery({
    queryKey: ['changes', 'recent'],
    queryFn: async () => (await getJson<{ changes: Change[] }>('/api/v1/changes?limit=12')).changes,
    initialData: initialChanges,
    refetchInterval: 10000,
  });
  const onChange = useCallback(() => {
    void qc.invalidateQueries({ queryKey: ['overview'] });
    void qc.invalidateQueries({ queryKey: ['changes'] });
  }, [qc]);
  useOverviewFeed(initial.cursor, onChange);

  const { services, environments } = overview.data;
  const cells = services.flatMap((s) => s.cells);
  const inFlight = cells.filter((c) => c.activeDeployment).length;
  const unhealthy = cells.filter((c) => c.health.status === 'down' || c.health.status === 'degraded').length;

  return (
    <div className="space-y-6">
      <div className="flex flex-wrap items-baseline justify-between gap-2">
        <h1 className="text-xl font-semibold">Services</h1>
        <p className="text-sm text-zinc-500" data-testid="overview-summary">
          {services.length} services · {environments.length} environments · {inFlight} deploying · {unhealthy} unhealthy
          {overview.isError && <span className="ml-2 text-red-600">refresh failed: {(overview.error as Error).message}</span>}
        </p>
      </div>
      {services.length === 0 ? (
        <Empty>No services yet. Register one with POST /api/v1/services or `npx flightdeck`.</Empty>
      ) : (
        <div className="overflow-x-auto rounded-lg border border-zinc-200 dark:border-zinc-800">
          <table className="w-full text-left text-sm" data-testid="overview-matrix">
            <thead className="bg-zinc-50 text-xs uppercase tracking-wide text-zinc-500 dark:bg-zinc-900">
              <tr>
                <th className="px-3 py-2">Service</th>
                {environments.map((e) => (
                  <th key={e.name} className="px-3 py-2" data-testid={`env-column-${e.name}`}>
                    {e.name}
                    {e.protected && <span className="ml-1 normal-case text-violet-600 dark:text-violet-400">· approval</span>}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {services.map((s) => (
                <tr key={s.name} data-testid={`service-row-${s.name}`} className="border-t border-zinc-200 align-top dark:border-zinc-800">
                  <td className="px-3 py-2">
                    <Link href={`/services/${s.name}`} className="font-medium text-zinc-900 hover:underline dark:text-zinc-100">
                      {s.name}
                    </Link>
                    {s.dependencies.length > 0 && <div className="text-xs text-zinc-500">depends on {s.dependencies.join(', ')}</div>}
                  </td>
                  {s.cells.map((c) => (
                    <Cell key={c.environment} s={s} c={c} />
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Section title="Recent changes" actions={<Link href="/changes" className="text-xs text-sky-700 hover:underline dark:text-sky-400">All changes →</Link>}>
        {changes.isError ? <ErrorState error={changes.error} what="changes" /> : <ChangeList changes={changes.data} compact />}
      </Section>
    </div>
  );
}

function Cell({ s, c }: { s: ServiceOverview; c: OverviewCell }) {
  const a = c.activeDeployment;
  const key = `${s.name}-${c.environment}`;
  const errorRate = c.traffic?.errorRate ?? null;
  return (
    <td className="min-w-56 px-3 py-2" data-testid={`cell-${key}`}>
      <div className="flex flex-wrap items-center gap-2">
        <Link href={`/services/${s.name}?environment=${c.environment}`} className="font-mono hover:underline" data-testid={`live-${key}`}>
          {c.liveVersion ? `v${c.liveVersion}` : '—'}
        </Link>
        <StateBadge state={c.health.status} testId={`health-${key}`} />
      </div>
      <div className="mt-0.5 text-xs tabular-nums text-zinc-500">
        {c.health.serving}/{s.replicas} serving{c.health.exited ? `, ${c.health.exited} exited` : ''}
        {c.traffic && (
          <>
            {' · '}
            {c.traffic.requests} req/min ·{' '}
            <span className={errorRate !== null && errorRate >= 0.01 ? 'font-semibold text-red-600 dark:text-red-400' : ''}>{pct(errorRate, 2)} errors</span>
          </>
        )}
        {c.liveSince && (
          <>
            {' · since '}
            <Ago iso={c.liveSince} />
          </>
        )}
      </div>
      {c.errorBudget?.frozen && (
        <div className="mt-0.5">
          <Badge tone="red">error budget spent: deploys frozen</Badge>
        </div>
      )}
      {a && (
        <Link href={`/deployments/${a.id}`} className="mt-1 block max-w-64 hover:underline" data-testid={`inflight-${key}`}>
          <div className="flex items-center gap-2 text-xs">
            <StateBadge state={a.state} />
            <span className="truncate">
              {a.kind === 'rollback' ? 'rollback' : a.strategy} → <span className="font-mono">v{a.to}</span>
            </span>
          </div>
          {a.state !== 'awaiting_approval' && <Progress step={a.step} total={a.totalSteps} />}
        </Link>
      )}
      <div className="mt-1">
        {c.rollbackTarget || (a && a.state !== 'awaiting_approval') ? (
          <div className="flex items-center gap-2">
            <RollbackButton service={s.name} environment={c.environment} />
            <span className="text-xs text-zinc-500">{c.rollbackTarget ? `→ v${c.rollbackTarget}` : ''}</span>
          </div>
        ) : (
          c.liveVersion && (
            <span className="text-xs text-zinc-500" title={c.rollbackNote ?? undefined}>
              no earlier version
            </span>
          )
        )}
      </div>
    </td>
  );
}
