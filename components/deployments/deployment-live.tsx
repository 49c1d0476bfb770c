'use client';

import Link from 'next/link';
import { useCallback } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { failedCanaryMetric } from '@/lib/engine/describe';
import { capitalised, deploymentTitle, shortId } from '@/lib/panel/words';
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

type ServiceNow = { liveVersion: string | null; deployments: Array<{ id: string; environment: string; state: string; kind: string; to: string; createdAt: string }> };

const ACTIVE = new Set(['queued', 'running', 'paused']);

/**
 * A deployment, live. On a wide screen the timeline sits beside the progress at the top of the
 * page (above the fold at 1440×900); on a phone everything stacks in reading order.
 */
/**
 * Why a deployment ended, in a line. A canary verdict's statistics (n, p, points…) are said once,
 * in plain words, in the canary panel below: here it names the metric and keeps the engine's
 * full wording one click away, as the timeline records it.
 */
function ReasonLine({ reason }: { reason: string }) {
  const metric = failedCanaryMetric(reason);
  if (!metric) return <>{reason}</>;
  return (
    <details>
      <summary className="cursor-pointer">Canary analysis failed on {metric}: the verdict below says why</summary>
      <p className="mt-1 font-normal">{reason}</p>
    </details>
  );
}

export function DeploymentLive({ initial }: { initial: DeploymentView }) {
  const qc = useQueryClient();
  const id = initial.id;
  const q = useQuery({
    queryKey: ['deployment', id],
    queryFn: () => getJson<DeploymentView>(`/api/v1/deployments/${id}`),
    initialData: initial,
    refetchInterval: (query) => (ACTIVE.has(query.state.data?.state ?? '') ? 3000 : false),
  });
  const d = q.data;
  const done = !ACTIVE.has(d.state) && d.state !== 'awaiting_approval';
  // What is live in this environment now: a finished deployment that later ones replaced no
  // longer shows "traffic now" as if it were its own, and offers no Roll back of someone else's version.
  const now = useQuery({
    queryKey: ['service-now', d.service, d.environment],
    queryFn: () => getJson<ServiceNow>(`/api/v1/services/${d.service}?environment=${encodeURIComponent(d.environment)}`),
    refetchInterval: done ? 15000 : 5000,
  });
  const onEvent = useCallback(
    (e: TimelineEvent) => {
      void qc.invalidateQueries({ queryKey: ['deployment', id] });
      void qc.invalidateQueries({ queryKey: ['analysis', id] });
      if (e.type.startsWith('deployment_') || e.type === 'traffic_shifted') void qc.invalidateQueries({ queryKey: ['service-now', initial.service] });
      if (e.type === 'traffic_shifted' || e.type.startsWith('instances_')) void qc.invalidateQueries({ queryKey: ['instances', initial.service] });
      if (e.type.startsWith('notification_')) void qc.invalidateQueries({ queryKey: ['notifications', id] });
      if (e.type.startsWith('warm_')) void qc.invalidateQueries({ queryKey: ['rollback-windows'] });
    },
    [qc, id, initial.service],
  );
  const timeline = useTimeline(id, onEvent);
  const isCanary = d.strategy === 'canary' && d.kind !== 'rollback';
  const later = now.data?.deployments.find((x) => x.environment === d.environment && x.createdAt > d.createdAt && x.state !== 'awaiting_approval');
  const superseded = done && later !== undefined && (now.data?.liveVersion !== d.to || later.state === 'succeeded');
  const isLive = now.data ? now.data.liveVersion === d.to && !superseded : d.state === 'succeeded';

  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-start justify-between gap-3">
        <div className="min-w-0">
          <Breadcrumbs
            trail={[
              { href: '/', label: 'Overview' },
              { href: `/services/${d.service}?environment=${d.environment}`, label: `${d.service} in ${d.environment}` },
            ]}
          >
            deployment <span className="font-mono">{shortId(d.id)}</span>
            {d.releaseId && (
              <>
                {' '}
                · part of{' '}
                <Link href={`/releases/${d.releaseId}`} prefetch={false} className="hover:underline">
                  release {shortId(d.releaseId)}
                </Link>
              </>
            )}
          </Breadcrumbs>
          <h1 className="flex flex-wrap items-center gap-2 text-xl font-semibold">
            <span className="break-words">
              {capitalised(deploymentTitle(d))} <span className="font-normal text-muted">of</span> {d.service} <span className="font-normal text-muted">in</span> {d.environment}
            </span>
            <StateBadge state={d.state} testId="deployment-state" />
          </h1>
          <p className="text-sm text-muted">
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
            <div className={`mt-1 break-words text-sm ${d.state === 'failed' || d.state === 'aborted' ? 'font-medium text-red-800 dark:text-red-300' : ''}`} data-testid="deployment-reason">
              <ReasonLine reason={d.reason} />
            </div>
          )}
        </div>
        <DeploymentControls d={d} isLive={isLive} />
      </div>
      {q.isError && <ErrorState error={q.error} what="the deployment" />}

      <div className="grid gap-4 lg:grid-cols-[minmax(0,1fr)_27rem]">
        <div className="min-w-0 space-y-4">
          <Section title="Progress">
            <Progress step={d.step} total={d.totalSteps} tone={d.state === 'failed' || d.state === 'aborted' ? 'red' : d.state === 'succeeded' ? 'emerald' : 'sky'} />
            {d.reverting && !done && <p className="mb-2 text-sm text-amber-800 dark:text-amber-300">Reverting ({d.reverting.outcome}): {d.reverting.reason}</p>}
            <div className="mt-2">
              {superseded ? (
                <p className="text-sm" data-testid="traffic-superseded">
                  This deployment is over and later changes replaced it: {now.data?.liveVersion ? <>v{now.data.liveVersion} is live in {d.environment} now</> : <>nothing is live in {d.environment} now</>} (
                  <Link href={`/deployments/${later!.id}`} prefetch={false} className="underline">
                    the latest
                  </Link>
                  ).
                </p>
              ) : (
                <>
                  <p className="mb-1 text-xs font-medium text-muted">Traffic now</p>
                  <TrafficSplit service={d.service} environment={d.environment} from={d.from} to={d.to} />
                </>
              )}
            </div>
            <details className="mt-3" open={!done}>
              <summary className="cursor-pointer text-xs font-medium">The plan: {d.steps.length} steps</summary>
              <ol className="mt-1 max-h-56 space-y-0.5 overflow-y-auto text-xs" data-testid="plan-steps" tabIndex={0} aria-label="Plan steps">
                {d.steps.map((s, i) => {
                  const state = i < d.step ? 'done' : i === d.step && !done ? 'now' : i === d.step && d.state !== 'succeeded' ? 'stopped' : 'todo';
                  return (
                    <li
                      key={s.index}
                      className={`flex gap-2 rounded px-1 ${state === 'now' ? 'bg-sky-100 font-medium dark:bg-sky-500/20' : state === 'stopped' ? 'bg-red-100 font-medium text-red-900 dark:bg-red-500/20 dark:text-red-200' : state === 'done' ? 'text-muted' : ''}`}
                    >
                      <span className="w-4 shrink-0" aria-hidden>
                        {state === 'done' ? '✓' : state === 'now' ? '▶' : state === 'stopped' ? '✗' : ''}
                      </span>
                      <span className="sr-only">{state === 'todo' ? 'to do' : state}: </span>
                      <span className="min-w-0 flex-1">{s.description}</span>
                      <span className="shrink-0 tabular-nums text-muted">{s.traffic.serving ? `${s.traffic.newPercent}% new` : ''}</span>
                    </li>
                  );
                })}
              </ol>
            </details>
          </Section>
          {isCanary && <CanaryPanel deploymentId={d.id} active={!done} state={d.state} />}
        </div>
        <div className="min-w-0 space-y-4 lg:row-span-2">
          <Section title="Timeline" testId="timeline-section" id="timeline">
            <Timeline events={timeline.events} connected={timeline.connected} everConnected={timeline.everConnected} error={timeline.error} />
          </Section>
          <NotificationsPanel deploymentId={d.id} active={!done} />
          <Section title={`Instances in ${d.environment}`}>
            <InstancesPanel service={d.service} environment={d.environment} lines={2} highlight={{ version: d.to, label: d.kind === 'rollback' ? 'target' : 'new' }} />
          </Section>
        </div>
      </div>
    </div>
  );
}
