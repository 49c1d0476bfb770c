'use client';

import Link from 'next/link';
import { useCallback } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import type { ServiceOverview } from '@/lib/services/overview';
import type { Change } from '@/lib/services/changes';
import { getJson } from '../ui/api';
import { StateBadge } from '../ui/badge';
import { Empty, ErrorState, Section } from '../ui/states';
import { Ago } from '../ui/time';
import { useOverviewFeed } from '../realtime/use-overview-feed';
import { RollbackButton } from './rollback-button';
import { ChangeList } from '../changes/change-list';
import { Progress } from '../deployments/progress';

type Overview = { services: ServiceOverview[]; at: string; cursor: number };

export function pct(x: number | null | undefined, digits = 1): string {
  return x === null || x === undefined ? '—' : `${(x * 100).toFixed(digits)} %`;
}

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

  const services = overview.data.services;
  const inFlight = services.filter((s) => s.activeDeployment).length;
  const unhealthy = services.filter((s) => s.health.status === 'down' || s.health.status === 'degraded').length;

  return (
    <div className="space-y-6">
      <div className="flex flex-wrap items-baseline justify-between gap-2">
        <h1 className="text-xl font-semibold">Services</h1>
        <p className="text-sm text-zinc-500" data-testid="overview-summary">
          {services.length} services · {inFlight} deploying · {unhealthy} unhealthy
          {overview.isError && <span className="ml-2 text-red-600">refresh failed: {(overview.error as Error).message}</span>}
        </p>
      </div>
      {services.length === 0 ? (
        <Empty>No services yet. Register one with POST /api/v1/services or `npx flightdeck`.</Empty>
      ) : (
        <div className="overflow-x-auto rounded-lg border border-zinc-200 dark:border-zinc-800">
          <table className="w-full min-w-[1100px] text-left text-sm">
            <thead className="bg-zinc-50 text-xs uppercase tracking-wide text-zinc-500 dark:bg-zinc-900">
              <tr>
                <th className="px-3 py-2">Service</th>
                <th className="px-3 py-2">Live</th>
                <th className="px-3 py-2">Health</th>
                <th className="px-3 py-2 text-right">Req/min</th>
                <th className="px-3 py-2 text-right">Errors</th>
                <th className="px-3 py-2">Error budget</th>
                <th className="px-3 py-2">In flight</th>
                <th className="px-3 py-2 text-right">Rollback</th>
              </tr>
            </thead>
            <tbody>
              {services.map((s) => (
                <ServiceRow key={s.name} s={s} />
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

function ServiceRow({ s }: { s: ServiceOverview }) {
  const a = s.activeDeployment;
  const errorRate = s.traffic?.errorRate ?? null;
  return (
    <tr data-testid={`service-row-${s.name}`} className="border-t border-zinc-200 align-middle dark:border-zinc-800">
      <td className="px-3 py-2">
        <Link href={`/services/${s.name}`} className="font-medium text-zinc-900 hover:underline dark:text-zinc-100">
          {s.name}
        </Link>
        {s.dependencies.length > 0 && <div className="text-xs text-zinc-500">depends on {s.dependencies.join(', ')}</div>}
      </td>
      <td className="px-3 py-2 font-mono" data-testid={`live-${s.name}`}>
        {s.liveVersion ? `v${s.liveVersion}` : '—'}
        {s.liveSince && (
          <div className="font-sans text-xs text-zinc-500">
            since <Ago iso={s.liveSince} />
          </div>
        )}
      </td>
      <td className="px-3 py-2">
        <StateBadge state={s.health.status} testId={`health-${s.name}`} />
        <span className="ml-2 text-xs tabular-nums text-zinc-500">
          {s.health.serving === s.replicas || !a ? `${s.health.serving}/${s.replicas} serving` : `${s.health.serving} serving (${s.replicas} wanted)`}
          {s.health.exited ? `, ${s.health.exited} exited` : ''}
        </span>
      </td>
      <td className="px-3 py-2 text-right tabular-nums">{s.traffic ? s.traffic.requests : '—'}</td>
      <td className={`px-3 py-2 text-right tabular-nums ${errorRate !== null && errorRate >= 0.01 ? 'font-semibold text-red-600 dark:text-red-400' : ''}`}>{pct(errorRate, 2)}</td>
      <td className="px-3 py-2 text-xs">
        <Budget b={s.errorBudget} />
      </td>
      <td className="px-3 py-2">
        {a ? (
          <Link href={`/deployments/${a.id}`} className="block max-w-72 hover:underline" data-testid={`inflight-${s.name}`}>
            <div className="flex items-center gap-2 text-xs">
              <StateBadge state={a.state} />
              <span className="truncate">
                {a.kind === 'rollback' ? 'rollback' : a.strategy} → <span className="font-mono">v{a.to}</span>
              </span>
            </div>
            <Progress step={a.step} total={a.totalSteps} />
            <div className="truncate text-xs text-zinc-500">{a.phase}</div>
          </Link>
        ) : (
          <span className="text-xs text-zinc-500">—</span>
        )}
      </td>
      <td className="px-3 py-2 text-right">
        {s.rollbackTarget || a ? (
          <div className="flex items-center justify-end gap-2">
            <span className="text-xs text-zinc-500">{s.rollbackTarget ? `→ v${s.rollbackTarget}` : ''}</span>
            <RollbackButton service={s.name} />
          </div>
        ) : (
          <span className="text-xs text-zinc-500" title={s.rollbackNote ?? undefined}>
            no earlier version
          </span>
        )}
      </td>
    </tr>
  );
}

function Budget({ b }: { b: ServiceOverview['errorBudget'] }) {
  if (!b) return <span className="text-zinc-500">—</span>;
  const left = Math.max(0, 1 - b.spentFraction);
  const tone = b.exhausted ? 'bg-red-500' : left < 0.25 ? 'bg-amber-500' : 'bg-emerald-500';
  return (
    <div className="w-36" title={`SLO ${b.sloAvailability} %: ${b.budgetMinutes} min of errors allowed per 30 days`}>
      <div className="h-1.5 overflow-hidden rounded bg-zinc-200 dark:bg-zinc-800">
        <div className={`h-full ${tone}`} style={{ width: `${Math.round(left * 100)}%` }} />
      </div>
      <div className={`mt-0.5 tabular-nums ${b.exhausted ? 'font-semibold text-red-600 dark:text-red-400' : 'text-zinc-500'}`}>
        {b.exhausted ? `spent (${(-b.leftMinutes).toFixed(1)} min over)` : `${b.leftMinutes.toFixed(1)} of ${b.budgetMinutes.toFixed(1)} min left`}
        {b.frozen && ' · deploys frozen'}
      </div>
    </div>
  );
}
