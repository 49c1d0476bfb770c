'use client';

import Link from 'next/link';
import { useCallback } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { getJson } from '../ui/api';
import { Breadcrumbs } from '../ui/breadcrumbs';
import { StateBadge } from '../ui/badge';
import { ErrorState, Section } from '../ui/states';
import { Ago } from '../ui/time';
import { useTimeline, type TimelineEvent } from '../realtime/use-timeline';
import { Timeline } from './timeline';
import { Progress } from './progress';
import { DeploymentControls } from './controls';
import { TrafficSplit } from './traffic-split';
import { InstancesPanel } from '../services/instances-panel';
import { CanaryPanel } from './canary-panel';
import { NotificationsPanel } from './notifications-panel';
import type { getDeployment } from '@/lib/services/deployments';

/** GET /api/v1/deployments/{id}, as JSON (its dates are already ISO strings). */
export type DeploymentView = Awaited<ReturnType<typeof getDeployment>>;

const ACTIVE = new Set(['queued', 'running', 'paused']);

export function DeploymentLive({ initial }: { initial: DeploymentView }) {
  const qc = useQueryClient();
  const id = initial.id;
  const q = useQuery({
    queryKey: ['deployment', id],
    queryFn: () => getJson<DeploymentView>(`/api/v1/deployments/${id}`),
    initialData: initial,
    refetchInterval: (query) => (ACTIVE.has(query.state.data?.state ?? '') ? 3000 : false),
  });
  const onEvent = useCallback(
    (e: TimelineEvent) => {
      void e;
      void qc.invalidateQueries({ queryKey: ['deployment', id] });
      void qc.invalidateQueries({ queryKey: ['analysis', id] });
      if (e.type === 'traffic_shifted' || e.type.startsWith('instances_')) void qc.invalidateQueries({ queryKey: ['instances', initial.service] });
      if (e.type.startsWith('notification_')) void qc.invalidateQueries({ queryKey: ['notifications', id] });
      if (e.type.startsWith('warm_')) void qc.invalidateQueries({ queryKey: ['rollback-windows'] });
    },
    [qc, id, initial.service],
  );
  const timeline = useTimeline(id, onEvent);
  const d = q.data;
  const done = !ACTIVE.has(d.state);
  const isCanary = d.strategy === 'canary' && d.kind !== 'rollback';

  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-start justify-between gap-3">
        <div>
          <Breadcrumbs
            trail={[
              { href: '/', label: 'Overview' },
              { href: `/services/${d.service}`, label: d.service },
            ]}
          >
            deployment <span className="font-mono">{d.id.slice(0, 8)}</span>
            {d.releaseId && (
              <>
                {' '}
                · part of{' '}
                <Link href={`/releases/${d.releaseId}`} className="hover:underline">
                  release {d.releaseId.slice(0, 8)}
                </Link>
              </>
            )}
          </Breadcrumbs>
          <h1 className="flex flex-wrap items-center gap-2 text-xl font-semibold">
            <span>
              {d.kind === 'rollback' ? 'Rollback' : d.strategy} of {d.service}: <span className="font-mono">{d.from ? `v${d.from}` : '∅'}</span> → <span className="font-mono">v{d.to}</span>
            </span>
            <StateBadge state={d.state} testId="deployment-state" />
          </h1>
          <p className="text-sm text-zinc-500">
            {d.phase !== d.state && (
              <>
                <span data-testid="deployment-phase">{d.phase}</span> ·{' '}
              </>
            )}
            by {d.actor} · created <Ago iso={d.createdAt} />
            {d.finishedAt && (
              <>
                {' '}
                · finished <Ago iso={d.finishedAt} />
              </>
            )}
            {d.lease?.owner && <> · worker {d.lease.owner}</>}
          </p>
          {d.reason && (
            <p className={`mt-1 text-sm ${d.state === 'failed' || d.state === 'aborted' ? 'font-medium text-red-700 dark:text-red-400' : ''}`} data-testid="deployment-reason">
              {d.reason}
            </p>
          )}
        </div>
        <DeploymentControls d={d} />
      </div>
      {q.isError && <ErrorState error={q.error} what="the deployment" />}

      <div className="grid gap-4 lg:grid-cols-[1fr_24rem]">
        <div className="space-y-4">
          <Section title="Progress">
            <Progress step={d.step} total={d.totalSteps} tone={d.state === 'failed' || d.state === 'aborted' ? 'red' : d.state === 'succeeded' ? 'emerald' : 'sky'} />
            {d.reverting && !done && <p className="mb-2 text-sm text-amber-700 dark:text-amber-400">Reverting ({d.reverting.outcome}): {d.reverting.reason}</p>}
            <div className="mt-2">
              <p className="mb-1 text-xs font-medium text-zinc-500">Traffic now</p>
              <TrafficSplit service={d.service} from={d.from} to={d.to} />
            </div>
            <ol className="mt-3 max-h-48 space-y-0.5 overflow-y-auto text-xs" data-testid="plan-steps">
              {d.steps.map((s, i) => {
                const state = i < d.step ? 'done' : i === d.step && !done ? 'now' : i === d.step && d.state !== 'succeeded' ? 'stopped' : 'todo';
                return (
                  <li key={s.index} className={`flex gap-2 rounded px-1 ${state === 'now' ? 'bg-sky-100 font-medium dark:bg-sky-500/20' : state === 'stopped' ? 'bg-red-100 font-medium text-red-800 dark:bg-red-500/20 dark:text-red-300' : state === 'done' ? 'text-zinc-500' : ''}`}>
                    <span className="w-4">{state === 'done' ? '✓' : state === 'now' ? '▶' : state === 'stopped' ? '✗' : ''}</span>
                    <span className="flex-1">{s.description}</span>
                    <span className="tabular-nums text-zinc-500">{s.traffic.serving ? `${s.traffic.newPercent} % new` : ''}</span>
                  </li>
                );
              })}
            </ol>
          </Section>
          {isCanary && <CanaryPanel deploymentId={d.id} active={!done} events={timeline.events} />}
          <Section title="Timeline" testId="timeline-section">
            <Timeline events={timeline.events} connected={timeline.connected} everConnected={timeline.everConnected} error={timeline.error} />
          </Section>
          <NotificationsPanel deploymentId={d.id} active={!done} />
        </div>
        <Section title="Instances">
          <InstancesPanel service={d.service} lines={2} highlight={{ version: d.to, label: d.kind === 'rollback' ? 'target' : 'new' }} />
        </Section>
      </div>
    </div>
  );
}
