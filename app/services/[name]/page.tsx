import Link from 'next/link';
import { requireUser } from '@/lib/auth/next';
import { orNotFound } from '@/lib/panel/not-found';
import { getService, serviceContext, attachedRuntime, currentCursor } from '@/lib/services';
import { Badge, StateBadge } from '@/components/ui/badge';
import { Breadcrumbs } from '@/components/ui/breadcrumbs';
import { Empty, Section } from '@/components/ui/states';
import { Ago } from '@/components/ui/time';
import { DeployDialog } from '@/components/services/deploy-dialog';
import { VersionDialog } from '@/components/services/version-dialog';
import { RollbackButton } from '@/components/services/rollback-button';
import { InstancesPanel } from '@/components/services/instances-panel';
import { DependencyGraph } from '@/components/services/dependency-graph';
import { BreakLeaseButton } from '@/components/services/break-lease-button';
import { LiveRefresh } from '@/components/realtime/live-refresh';
import { EnvironmentTabs, VersionPath } from '@/components/services/environments';
import { PromoteButton } from '@/components/services/promote-button';

export const dynamic = 'force-dynamic';

type Hook = { name: string; command?: string; url?: string; timeoutSeconds?: number };

/** Service: versions, deployment history, instances, dependencies, config, hooks, lease; Deploy and Rollback. */
export default async function ServicePage({ params, searchParams }: { params: Promise<{ name: string }>; searchParams: Promise<{ environment?: string }> }) {
  await requireUser();
  const { name } = await params;
  const { environment } = await searchParams;
  const db = serviceContext().db;
  const s = await orNotFound(getService(db, name, { environment: typeof environment === 'string' ? environment : undefined }));
  const env = s.environment;
  const cursor = await currentCursor(db);
  const runtime = attachedRuntime({ name: env });
  const address = runtime?.serviceAddress ? await runtime.serviceAddress(s.name).catch(() => null) : null;
  const everLive = new Set(s.history.map((h) => h.version));
  const envIndex = s.environments.findIndex((e) => e.name === env);
  const previous = envIndex > 0 ? s.environments[envIndex - 1]! : null;
  // A version's state in the environment looked at; the path column shows the others.
  const status = (v: { version: string; bad: boolean; path: Array<{ reachedAt: string | null }> }) =>
    v.version === s.liveVersion ? 'live' : v.bad ? 'bad' : everLive.has(v.version) ? 'previous good' : v.path.some((p) => p.reachedAt) ? `not in ${env} yet` : 'never deployed';
  const hooks = s.hooks as { pre: Hook[]; post: Hook[] };
  const health = s.health as Record<string, unknown>;
  const active = s.deployments.find((d) => d.environment === env && (d.state === 'awaiting_approval' || d.state === 'queued' || d.state === 'running' || d.state === 'paused'));

  return (
    <div className="space-y-4">
      <LiveRefresh cursor={cursor} />
      <div className="flex flex-wrap items-start justify-between gap-3">
        <div>
          <Breadcrumbs trail={[{ href: '/', label: 'Overview' }]}>service</Breadcrumbs>
          <h1 className="text-xl font-semibold">{s.name}</h1>
          <EnvironmentTabs service={s.name} current={env} environments={s.environments} />
          <p className="text-sm text-zinc-500">
            {s.description || 'No description.'} · {s.replicas} replica{s.replicas === 1 ? '' : 's'} · live in {env}{' '}
            <span className="font-mono text-zinc-900 dark:text-zinc-100" data-testid="service-live">
              {s.liveVersion ? `v${s.liveVersion}` : 'nothing'}
            </span>
            {address && (
              <>
                {' '}
                · router <span className="font-mono">{address}</span>
              </>
            )}
          </p>
        </div>
        <div className="flex gap-2">
          <VersionDialog service={s.name} requiredKeys={s.requiredConfigKeys} />
          <DeployDialog
            service={s.name}
            environment={env}
            defaults={{ defaultStrategy: s.defaultStrategy, strategyParams: s.strategyParams, analysis: s.analysis }}
            versions={s.versions.map((v) => ({ version: v.version, bad: v.bad, live: v.version === s.liveVersion }))}
          />
          {previous?.liveVersion && previous.liveVersion !== s.liveVersion && <PromoteButton service={s.name} version={previous.liveVersion} from={previous.name} to={env} />}
          {(s.liveVersion || (active && active.state !== 'awaiting_approval')) && <RollbackButton service={s.name} environment={env} size="md" />}
        </div>
      </div>

      {active && (
        <Link href={`/deployments/${active.id}`} className="block rounded-md border border-sky-300 bg-sky-50 px-3 py-2 text-sm hover:underline dark:border-sky-500/40 dark:bg-sky-500/10" data-testid="active-banner">
          <StateBadge state={active.state} /> {active.kind === 'rollback' ? 'Rollback' : `${active.strategy} deployment`} {active.from ? `v${active.from}` : 'nothing'} → v{active.to}: {active.phase} — follow it live →
        </Link>
      )}

      <div className="grid gap-4 lg:grid-cols-2">
        <Section title="Versions" testId="versions">
          {s.versions.length === 0 ? (
            <Empty>No versions yet.</Empty>
          ) : (
            <table className="w-full text-sm">
              <tbody>
                {s.versions.map((v) => (
                  <tr key={v.id} className="border-t border-zinc-100 first:border-0 dark:border-zinc-800" data-testid={`version-${v.version}`}>
                    <td className="py-1 font-mono">v{v.version}</td>
                    <td className="py-1">
                      <StateBadge state={status(v)} />
                    </td>
                    <td className="py-1" data-testid={`path-${v.version}`}>
                      <VersionPath path={v.path} />
                    </td>
                    <td className="max-w-64 truncate py-1 text-xs text-zinc-500" title={v.badReason ?? v.notes}>
                      {v.bad ? v.badReason : v.notes}
                    </td>
                    <td className="py-1 text-right text-xs text-zinc-500">
                      <Ago iso={v.createdAt} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </Section>

        <Section title="Instances" testId="instances-section">
          <InstancesPanel service={s.name} environment={env} />
        </Section>

        <Section title="Deployment history" testId="history">
          {s.deployments.length === 0 ? (
            <Empty>Never deployed.</Empty>
          ) : (
            <table className="w-full text-sm">
              <tbody>
                {s.deployments.map((d) => (
                  <tr key={d.id} className="border-t border-zinc-100 first:border-0 dark:border-zinc-800">
                    <td className="py-1">
                      <StateBadge state={d.state} />
                    </td>
                    <td className="py-1">
                      <Link href={`/deployments/${d.id}`} className="hover:underline">
                        {d.kind === 'rollback' ? 'rollback' : d.strategy} {d.from ? `v${d.from}` : '∅'} → v{d.to}
                      </Link>{' '}
                      <span className="text-xs text-zinc-500">in {d.environment}</span>
                    </td>
                    <td className="py-1 text-xs text-zinc-500">by {d.actor}</td>
                    <td className="py-1 text-right text-xs text-zinc-500">
                      <Ago iso={d.createdAt} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </Section>

        <Section title="Configuration">
          <dl className="grid grid-cols-[max-content_1fr] gap-x-4 gap-y-1 text-sm">
            <dt className="text-zinc-500">Required config keys</dt>
            <dd className="flex flex-wrap gap-1">{s.requiredConfigKeys.length ? s.requiredConfigKeys.map((k) => <Badge key={k}>{k}</Badge>) : '—'}</dd>
            <dt className="text-zinc-500">Default strategy</dt>
            <dd>
              {s.defaultStrategy} <span className="font-mono text-xs text-zinc-500">{JSON.stringify(s.strategyParams)}</span>
            </dd>
            <dt className="text-zinc-500">Health</dt>
            <dd className="text-xs">
              {String(health.path)} every {String(health.intervalSeconds)} s, timeout {String(health.timeoutSeconds)} s, {String(health.healthyThreshold)} ok / {String(health.unhealthyThreshold)} failed, grace{' '}
              {String(health.gracePeriodSeconds)} s
            </dd>
            <dt className="text-zinc-500">SLO</dt>
            <dd>{s.slo.availability} % availability{s.slo.latencyMs ? `, ${s.slo.latencyMs} ms` : ''}</dd>
            <dt className="text-zinc-500">Error budget</dt>
            <dd className={s.errorBudget.exhausted ? 'font-semibold text-red-600 dark:text-red-400' : ''} data-testid="error-budget">
              {s.errorBudget.leftMinutes.toFixed(1)} of {s.errorBudget.budgetMinutes.toFixed(1)} min left over {s.errorBudget.periodDays} days ({s.errorBudget.requests} requests, {s.errorBudget.errors} errors)
              {s.errorBudget.frozen && ' · deploys frozen until it recovers (an admin may override)'}
            </dd>
            <dt className="text-zinc-500">Pre-deploy hooks</dt>
            <dd className="text-xs">{hooks.pre.length ? hooks.pre.map((h) => `${h.name} (${h.command ?? h.url})`).join(' → ') : '—'}</dd>
            <dt className="text-zinc-500">Post-deploy hooks</dt>
            <dd className="text-xs">{hooks.post.length ? hooks.post.map((h) => `${h.name} (${h.command ?? h.url})`).join(' → ') : '—'}</dd>
            <dt className="text-zinc-500">Lease</dt>
            <dd className="text-xs" data-testid="lease">
              {s.lease ? (
                <>
                  held by deployment{' '}
                  <Link className="font-mono hover:underline" href={`/deployments/${s.lease.deploymentId}`}>
                    {s.lease.deploymentId.slice(0, 8)}
                  </Link>{' '}
                  ({s.lease.owner ? `worker ${s.lease.owner}` : 'waiting for a worker'}), expires <Ago iso={s.lease.expiresAt} /> <BreakLeaseButton service={s.name} environment={env} owner={s.lease.owner} />
                </>
              ) : (
                'free'
              )}
            </dd>
          </dl>
        </Section>

        <div className="lg:col-span-2">
          <Section title="Dependencies">
            <DependencyGraph name={s.name} dependencies={s.dependencies} dependents={s.dependents} />
          </Section>
        </div>
      </div>
    </div>
  );
}
