import Link from 'next/link';
import { requireUser } from '@/lib/auth/next';
import { orNotFound } from '@/lib/panel/not-found';
import { titled } from '@/lib/panel/titles';
import { capitalised, deploymentTitle, shortId } from '@/lib/panel/words';
import { getService, getServiceMetricsCached, serviceContext, attachedRuntime, currentCursor, chooseFromHistory } from '@/lib/services';
import { StateBadge } from '@/components/ui/badge';
import { Breadcrumbs } from '@/components/ui/breadcrumbs';
import { Empty, Section } from '@/components/ui/states';
import { Ago } from '@/components/ui/time';
import { DeployDialog } from '@/components/services/deploy-dialog';
import { VersionDialog } from '@/components/services/version-dialog';
import { RollbackButton } from '@/components/services/rollback-button';
import { InstancesPanel } from '@/components/services/instances-panel';
import { DependencyGraph } from '@/components/services/dependency-graph';
import { LiveRefresh } from '@/components/realtime/live-refresh';
import { EnvironmentTabs, VersionPath } from '@/components/services/environments';
import { PromoteButton } from '@/components/services/promote-button';
import { TrafficCharts } from '@/components/services/traffic-charts';
import { ServiceSettings } from '@/components/services/service-settings';

export const dynamic = 'force-dynamic';

type Props = { params: Promise<{ name: string }>; searchParams: Promise<{ environment?: string; range?: string }> };

export async function generateMetadata({ params, searchParams }: Props) {
  const { name } = await params;
  const { environment } = await searchParams;
  return titled(async () => {
    const s = await getService(serviceContext().db, name, { environment: typeof environment === 'string' ? environment : undefined });
    return `${s.name} in ${s.environment}`;
  });
}

/** The version a rollback would return to in this environment now, or null when there is none. */
function rollbackTarget(s: Awaited<ReturnType<typeof getService>>): string | null {
  if (!s.liveVersion) return null;
  const byVersion = new Map(s.versions.map((v) => [v.version, v]));
  try {
    return chooseFromHistory({
      history: s.history.filter((h) => byVersion.has(h.version)).map((h) => ({ versionId: byVersion.get(h.version)!.id, from: new Date(h.from), until: h.until ? new Date(h.until) : null })),
      versions: s.versions.map((v) => ({ id: v.id, semver: v.version, bad: v.bad })),
      currentVersionId: byVersion.get(s.liveVersion)?.id ?? null,
      service: s.name,
    }).target.semver;
  } catch {
    return null;
  }
}

/** Service: traffic per version, versions, deployment history, instances, dependencies, settings; Deploy, Promote and Roll back. */
export default async function ServicePage({ params, searchParams }: Props) {
  await requireUser();
  const { name } = await params;
  const { environment, range: rawRange } = await searchParams;
  const db = serviceContext().db;
  const s = await orNotFound(getService(db, name, { environment: typeof environment === 'string' ? environment : undefined }));
  const env = s.environment;
  const range = rawRange === '24h' ? '24h' : '1h';
  const [cursor, metrics] = await Promise.all([currentCursor(db), getServiceMetricsCached(db, s.name, { environment: env, range }, 10_000)]);
  const runtime = attachedRuntime({ name: env });
  const address = runtime?.serviceAddress ? await runtime.serviceAddress(s.name).catch(() => null) : null;
  const everLive = new Set(s.history.map((h) => h.version));
  const envIndex = s.environments.findIndex((e) => e.name === env);
  const previous = envIndex > 0 ? s.environments[envIndex - 1]! : null;
  // A version's state in the environment looked at; the path column shows the others.
  const status = (v: { version: string; bad: boolean; path: Array<{ reachedAt: string | null }> }) =>
    v.version === s.liveVersion ? 'live' : v.bad ? 'bad' : everLive.has(v.version) ? 'previous good' : v.path.some((p) => p.reachedAt) ? `not in ${env} yet` : 'never deployed';
  const active = s.deployments.find((d) => d.environment === env && (d.state === 'awaiting_approval' || d.state === 'queued' || d.state === 'running' || d.state === 'paused'));
  const target = rollbackTarget(s);
  const inFlight = active && active.state !== 'awaiting_approval';
  const history = s.deployments.filter((d) => d.environment === env);
  const here = `/services/${s.name}?environment=${env}`;

  return (
    <div className="space-y-4">
      <LiveRefresh cursor={cursor} />
      <div className="flex flex-wrap items-start justify-between gap-3">
        <div className="min-w-0">
          <Breadcrumbs trail={[{ href: '/', label: 'Overview' }]}>{s.name}</Breadcrumbs>
          <h1 className="text-xl font-semibold">{s.name}</h1>
          <EnvironmentTabs service={s.name} current={env} environments={s.environments} />
          <p className="mt-1 break-words text-sm text-muted">
            {s.description || 'No description.'} · {s.replicas} replica{s.replicas === 1 ? '' : 's'} · live in {env}:{' '}
            <span className="font-mono text-zinc-900 dark:text-zinc-100" data-testid="service-live">
              {s.liveVersion ? `v${s.liveVersion}` : 'nothing'}
            </span>
            {address && (
              <>
                {' '}
                · router <span className="break-all font-mono">{address}</span>
              </>
            )}
          </p>
        </div>
        <div className="flex flex-wrap items-center gap-2">
          <VersionDialog service={s.name} requiredKeys={s.requiredConfigKeys} />
          <DeployDialog
            service={s.name}
            environment={env}
            live={s.liveVersion}
            defaults={{ defaultStrategy: s.defaultStrategy, strategyParams: s.strategyParams, analysis: s.analysis }}
            versions={s.versions.map((v) => ({ version: v.version, bad: v.bad, badReason: v.badReason, live: v.version === s.liveVersion }))}
          />
          {previous?.liveVersion && previous.liveVersion !== s.liveVersion && <PromoteButton service={s.name} version={previous.liveVersion} from={previous.name} to={env} />}
          {target || inFlight ? (
            <RollbackButton service={s.name} environment={env} size="md" label={target && !inFlight ? `Roll back to v${target}` : 'Roll back'} />
          ) : (
            s.liveVersion && (
              <span className="text-xs text-muted" data-testid="no-rollback">
                No earlier version to roll back to
              </span>
            )
          )}
        </div>
      </div>

      {active && (
        <Link
          href={`/deployments/${active.id}`}
          prefetch={false}
          className="block rounded-md border border-sky-300 bg-sky-50 px-3 py-2 text-sm hover:underline dark:border-sky-500/40 dark:bg-sky-500/10"
          data-testid="active-banner"
        >
          <StateBadge state={active.state} /> {capitalised(deploymentTitle(active))}: {active.phase} — follow it live →
        </Link>
      )}

      <Section
        title={`Traffic in ${env}, last ${range === '24h' ? '24 hours' : 'hour'}`}
        testId="traffic-section"
        actions={
          <nav aria-label="Range" className="flex gap-1 text-xs">
            {(['1h', '24h'] as const).map((r) => (
              <Link
                key={r}
                href={`${here}&range=${r}`}
                prefetch={false}
                aria-current={r === range ? 'page' : undefined}
                className={`rounded px-2 py-0.5 ${r === range ? 'bg-zinc-200 font-medium dark:bg-zinc-800' : 'text-muted hover:bg-zinc-100 dark:hover:bg-zinc-800'}`}
              >
                {r === '1h' ? '1 hour' : '24 hours'}
              </Link>
            ))}
          </nav>
        }
      >
        <TrafficCharts m={JSON.parse(JSON.stringify(metrics))} />
      </Section>

      <div className="grid items-start gap-4 lg:grid-cols-2">
        <Section title="Versions" testId="versions">
          {s.versions.length === 0 ? (
            <Empty>No versions yet. Register one with “Register version…” or from CI.</Empty>
          ) : (
            <>
              <VersionList versions={s.versions.slice(0, 8)} status={status} />
              {s.versions.length > 8 && (
                <details className="mt-1 text-sm">
                  <summary className="cursor-pointer text-xs font-medium">{s.versions.length - 8} older versions</summary>
                  <VersionList versions={s.versions.slice(8)} status={status} />
                </details>
              )}
            </>
          )}
        </Section>

        <Section title={`Instances in ${env}`} testId="instances-section">
          <InstancesPanel service={s.name} environment={env} />
        </Section>

        <Section title={`Deployment history in ${env}`} testId="history">
          {history.length === 0 ? (
            <Empty>Never deployed to {env}.</Empty>
          ) : (
            <ul className="divide-y divide-zinc-100 text-sm dark:divide-zinc-800">
              {history.map((d) => (
                <li key={d.id} className="flex flex-wrap items-center gap-x-2 gap-y-0.5 py-1.5">
                  <StateBadge state={d.state} />
                  <Link href={`/deployments/${d.id}`} prefetch={false} className="min-w-0 hover:underline">
                    {capitalised(deploymentTitle(d))}
                  </Link>
                  <span className="ml-auto text-xs text-muted">
                    by {d.actor} · <Ago iso={d.createdAt} />
                  </span>
                </li>
              ))}
            </ul>
          )}
        </Section>

        <Section title="Settings">
          <ServiceSettings s={s} env={env} lease={s.lease ? { ...s.lease, short: shortId(s.lease.deploymentId) } : null} />
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

type VersionRow = Awaited<ReturnType<typeof getService>>['versions'][number];

function VersionList({ versions, status }: { versions: VersionRow[]; status: (v: VersionRow) => string }) {
  return (
    <ul className="divide-y divide-zinc-100 text-sm dark:divide-zinc-800">
      {versions.map((v) => (
        <li key={v.id} className="flex flex-wrap items-center gap-x-3 gap-y-1 py-1.5" data-testid={`version-${v.version}`}>
          <span className="font-mono">v{v.version}</span>
          <StateBadge state={status(v)} />
          <span data-testid={`path-${v.version}`}>
            <VersionPath path={v.path} />
          </span>
          <span className="ml-auto text-xs text-muted">
            <Ago iso={v.createdAt} />
          </span>
          {(v.bad ? v.badReason : v.notes) && <span className="basis-full break-words text-xs text-muted">{v.bad ? v.badReason : v.notes}</span>}
        </li>
      ))}
    </ul>
  );
}
