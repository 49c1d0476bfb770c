'use client';

import Link from 'next/link';
import { useCallback } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import type { OverviewCell, OverviewEnvironment, ServiceOverview } from '@/lib/services/overview';
import type { Change } from '@/lib/services/changes';
import { formatCount, formatRate } from '@/lib/engine/format';
import { getJson } from '../ui/api';
import { Badge, StateBadge } from '../ui/badge';
import { Empty, ErrorState, Section } from '../ui/states';
import { For } from '../ui/time';
import { useOverviewFeed } from '../realtime/use-overview-feed';
import { FeedStatus, useConnection } from '../realtime/use-connection';
import { RollbackButton } from './rollback-button';
import { ChangeList } from '../changes/change-list';
import { Progress } from '../deployments/progress';
import { deploymentTitle } from '@/lib/panel/words';

type Overview = { environments: OverviewEnvironment[]; services: ServiceOverview[]; at: string; cursor: number };

/**
 * Services × environments. One structure for every screen: on a wide screen each service is a
 * row of the matrix under a header of environments; on a phone each service is a card with one
 * block per environment, each block naming its environment — nothing is cut off or scrolls
 * sideways, and Roll back is in the block itself.
 */
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
  const connection = useConnection();

  const { services, environments } = overview.data;
  const cells = services.flatMap((s) => s.cells);
  const inFlight = cells.filter((c) => c.activeDeployment).length;
  const unhealthy = cells.filter((c) => c.health.status === 'down' || c.health.status === 'degraded').length;
  const columns = { '--envs': environments.length } as React.CSSProperties;
  const grid = 'md:grid md:grid-cols-[12rem_repeat(var(--envs),minmax(0,1fr))]';

  return (
    <div className="space-y-6">
      <div className="flex flex-wrap items-baseline justify-between gap-2">
        <h1 className="text-xl font-semibold">Services</h1>
        <p className="flex flex-wrap items-center gap-x-3 text-sm text-muted">
          <span data-testid="overview-summary">
            {services.length} services · {environments.length} environments · {inFlight} deploying · {unhealthy} unhealthy
          </span>
          <FeedStatus {...connection} testId="overview-feed" />
          {overview.isError && <span className="text-red-700 dark:text-red-400">Refresh failed: {(overview.error as Error).message}</span>}
        </p>
      </div>
      {services.length === 0 ? (
        <Empty>No services yet. Register one with POST /api/v1/services or `npx flightdeck`.</Empty>
      ) : (
        <div className="space-y-3 md:space-y-0 md:overflow-hidden md:rounded-lg md:border md:border-zinc-200 md:bg-white md:dark:border-zinc-800 md:dark:bg-zinc-900/40" style={columns} data-testid="overview-matrix">
          <div className={`hidden bg-zinc-100 text-xs font-semibold text-muted dark:bg-zinc-900 ${grid}`} aria-hidden>
            <div className="px-3 py-2">Service</div>
            {environments.map((e) => (
              <div key={e.name} className="px-3 py-2" data-testid={`env-column-${e.name}`}>
                {e.name}
                {e.protected && <span className="ml-1 font-normal text-violet-700 dark:text-violet-300">· needs approval</span>}
              </div>
            ))}
          </div>
          {services.map((s) => (
            <article
              key={s.name}
              data-testid={`service-row-${s.name}`}
              aria-labelledby={`svc-${s.name}`}
              className={`rounded-lg border border-zinc-200 bg-white dark:border-zinc-800 dark:bg-zinc-900/40 md:rounded-none md:border-0 md:border-t md:bg-transparent ${grid}`}
            >
              <div className="px-3 pt-3 md:py-2">
                <Link href={`/services/${s.name}`} prefetch={false} id={`svc-${s.name}`} className="font-medium text-zinc-900 hover:underline dark:text-zinc-100">
                  {s.name}
                </Link>
                {s.dependencies.length > 0 && <div className="text-xs text-muted">depends on {s.dependencies.join(', ')}</div>}
              </div>
              {s.cells.map((c) => (
                <Cell key={c.environment} s={s} c={c} env={environments.find((e) => e.name === c.environment)} />
              ))}
            </article>
          ))}
        </div>
      )}
      <Section title="Recent changes" actions={<Link href="/changes" className="text-xs text-sky-700 hover:underline dark:text-sky-300">All changes →</Link>}>
        {changes.isError ? <ErrorState error={changes.error} what="changes" /> : <ChangeList changes={changes.data} compact />}
      </Section>
    </div>
  );
}

function Cell({ s, c, env }: { s: ServiceOverview; c: OverviewCell; env?: OverviewEnvironment }) {
  const a = c.activeDeployment;
  const key = `${s.name}-${c.environment}`;
  const errorRate = c.traffic?.errorRate ?? null;
  return (
    <section className="min-w-0 border-t border-zinc-100 px-3 py-2 first-of-type:border-0 dark:border-zinc-800 md:border-0" data-testid={`cell-${key}`} aria-label={`${s.name} in ${c.environment}`}>
      <div className="mb-1 text-xs font-semibold text-muted md:hidden">
        {c.environment}
        {env?.protected && <span className="ml-1 font-normal text-violet-700 dark:text-violet-300">· needs approval</span>}
      </div>
      <div className="flex flex-wrap items-center gap-2">
        <Link href={`/services/${s.name}?environment=${c.environment}`} prefetch={false} className="font-mono hover:underline" data-testid={`live-${key}`}>
          {c.liveVersion ? `v${c.liveVersion}` : 'nothing live'}
        </Link>
        <StateBadge state={c.health.status} testId={`health-${key}`} />
      </div>
      <div className="mt-0.5 text-xs tabular-nums text-muted">
        {c.health.serving}/{s.replicas} serving{c.health.exited ? `, ${c.health.exited} exited` : ''}
        {c.traffic && (
          <>
            {' · '}
            {formatCount(c.traffic.requests)} req/min ·{' '}
            <span className={errorRate !== null && errorRate >= 0.01 ? 'font-semibold text-red-700 dark:text-red-400' : ''}>{formatRate(errorRate)} errors</span>
          </>
        )}
        {c.liveSince && (
          <>
            {' · live for '}
            <For iso={c.liveSince} />
          </>
        )}
      </div>
      {c.errorBudget?.frozen && (
        <div className="mt-0.5">
          <Badge tone="red">error budget spent: deploys frozen</Badge>
        </div>
      )}
      {a && (
        <Link href={`/deployments/${a.id}`} prefetch={false} className="mt-1 block hover:underline" data-testid={`inflight-${key}`}>
          <div className="flex min-w-0 items-center gap-2 text-xs">
            <StateBadge state={a.state} />
            <span className="truncate">{deploymentTitle(a)}</span>
          </div>
          {a.state !== 'awaiting_approval' && <Progress step={a.step} total={a.totalSteps} />}
        </Link>
      )}
      <div className="mt-1">
        {c.rollbackTarget || (a && a.state !== 'awaiting_approval') ? (
          <div className="flex flex-wrap items-center gap-2">
            <RollbackButton service={s.name} environment={c.environment} />
            <span className="text-xs text-muted">{c.rollbackTarget ? `to v${c.rollbackTarget}` : 'stops the deployment'}</span>
          </div>
        ) : (
          c.liveVersion && (
            <span className="text-xs text-muted" title={c.rollbackNote ?? undefined}>
              No earlier version to roll back to
            </span>
          )
        )}
      </div>
    </section>
  );
}
