'use client';

import { useQuery } from '@tanstack/react-query';
import type { InstanceView } from '@/lib/services/instances';
import { formatPercent } from '@/lib/engine/format';
import { getJson } from '../ui/api';
import { Badge, StateBadge } from '../ui/badge';
import { Empty, ErrorState, Loading } from '../ui/states';
import { Ago } from '../ui/time';

type Instances = { service: string; environment: string; runtime: string | null; trafficNote: string | null; available: boolean; instances: InstanceView[] };

/**
 * Instances with health, rotation weight, restarts and their last log lines; refreshed every 2 s.
 * The runtime that runs them is named, and the platform's own reason for an instance that is
 * not ready (CrashLoopBackOff, ImagePullBackOff…) is shown as it says it.
 */
export function InstancesPanel({
  service,
  environment,
  lines = 3,
  highlight,
}: {
  service: string;
  environment?: string;
  lines?: number;
  highlight?: { version: string; label: string };
}) {
  const q = useQuery({
    queryKey: ['instances', service, environment ?? '', lines],
    queryFn: () => getJson<Instances>(`/api/v1/services/${service}/instances?lines=${lines}${environment ? `&environment=${encodeURIComponent(environment)}` : ''}`),
    refetchInterval: 2000,
  });
  if (q.isPending) return <Loading what="instances" />;
  if (q.isError) return <ErrorState error={q.error} what="instances" />;
  if (!q.data.available) return <Empty>No runtime is attached to this Flightdeck process.</Empty>;
  const runtime = (
    <div className="mb-2 flex flex-wrap items-center gap-2 text-xs text-zinc-500" data-testid="instances-runtime">
      {q.data.runtime && <Badge tone="zinc">runtime: {q.data.runtime}</Badge>}
      {q.data.trafficNote && <span className="text-amber-700 dark:text-amber-400">{q.data.trafficNote}</span>}
    </div>
  );
  if (q.data.instances.length === 0)
    return (
      <>
        {runtime}
        <Empty>No instances running.</Empty>
      </>
    );
  const total = q.data.instances.reduce((n, i) => n + i.weight, 0);
  return (
    <>
      {runtime}
      <ul className="space-y-2" data-testid="instances">
        {q.data.instances.map((i) => (
          <li key={i.id} className="rounded border border-zinc-200 p-2 text-xs dark:border-zinc-800" data-testid={`instance-${i.version}-${i.slot}`}>
            <div className="flex flex-wrap items-center gap-2">
              <StateBadge state={i.health} />
              <span className="font-mono font-medium">v{i.version}</span>
              {highlight && i.version === highlight.version && <span className="text-sky-700 dark:text-sky-400">{highlight.label}</span>}
              <span className="text-muted">slot {i.slot}</span>
              {i.reason && (
                <span className="font-mono text-amber-700 dark:text-amber-400" data-testid="instance-reason">
                  {i.reason}
                </span>
              )}
              {i.host && (
                <span className="text-muted" data-testid="instance-host">
                  on {i.host}
                </span>
              )}
            </div>
            <div className="mt-0.5 text-muted">
              <span className="tabular-nums">{total > 0 ? `${formatPercent(Math.round((i.weight / total) * 100))} of traffic` : 'no traffic'}</span> · started <Ago iso={i.startedAt} />
              {i.restarts > 0 && <span className="text-amber-700 dark:text-amber-400"> · {i.restarts} restart(s)</span>}
            </div>
            {i.exitReason && (
              <div className="mt-1 text-red-700 dark:text-red-400">
                {i.state === 'exited' ? 'exited' : 'last exit'} {i.exitCode ?? ''}: {i.exitReason}
              </div>
            )}
            {i.logs.length > 0 && (
              <pre className="mt-1 max-h-20 overflow-hidden whitespace-pre-wrap break-all rounded bg-zinc-100 px-2 py-1 font-mono text-[11px] leading-4 text-zinc-700 dark:bg-zinc-950 dark:text-zinc-400">
                {i.logs.join('\n')}
              </pre>
            )}
          </li>
        ))}
      </ul>
    </>
  );
}
