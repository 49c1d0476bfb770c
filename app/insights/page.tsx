import type { Metadata } from 'next';
import Link from 'next/link';
import { requireUser } from '@/lib/auth/next';
import { getInsights, listEnvironments, listServices, serviceContext, type InsightsFigures } from '@/lib/services';
import { formatDuration, formatRate } from '@/lib/engine/format';
import { orNotFound } from '@/lib/panel/not-found';
import { Section } from '@/components/ui/states';
import { TrendChart } from '@/components/insights/trend-chart';

export const metadata: Metadata = { title: 'Insights' };
export const dynamic = 'force-dynamic';

type Props = { searchParams: Promise<{ days?: string; environment?: string; service?: string }> };

const DAYS = ['7', '30', '90'] as const;
const perDay = (n: number) => (n >= 1 ? `${Number(n.toFixed(1))} a day` : n > 0 ? `${Number((n * 7).toFixed(1))} a week` : 'none');
const dur = (s: number | null) => (s === null ? '—' : formatDuration(s));

/** The four DORA figures, overall then per service, each with its trend; from stored history, one environment at a time. */
export default async function InsightsPage({ searchParams }: Props) {
  await requireUser();
  const sp = await searchParams;
  const days = DAYS.find((d) => d === sp.days) ?? '30';
  const db = serviceContext().db;
  const [{ environments }, services] = await Promise.all([listEnvironments(db), listServices(db)]);
  const environment = environments.some((e) => e.name === sp.environment) ? sp.environment : undefined;
  const service = services.some((s) => s.name === sp.service) ? sp.service : undefined;
  const i = await orNotFound(getInsights(db, { days, ...(environment ? { environment } : {}), ...(service ? { service } : {}) }));
  const link = (over: Record<string, string | undefined>) => {
    const q = new URLSearchParams(Object.entries({ days, environment: i.environment, service, ...over }).filter((e): e is [string, string] => !!e[1]));
    return `/insights?${q.toString()}`;
  };
  const tab = (active: boolean) => `rounded px-2 py-0.5 ${active ? 'bg-zinc-200 font-medium dark:bg-zinc-800' : 'text-muted hover:bg-zinc-100 dark:hover:bg-zinc-800'}`;
  return (
    <div className="space-y-4">
      <div>
        <h1 className="text-xl font-semibold">Insights</h1>
        <p className="text-sm text-muted">
          Delivery performance{service ? ` of ${service}` : ''} in <strong className="text-zinc-900 dark:text-zinc-100">{i.environment}</strong> over the last {i.days} days, from the stored deployment history
          (UTC days; the trend per {i.bucket}). Without a choice the environment is the last in order: the one closest to users.
        </p>
      </div>
      <div className="flex flex-wrap items-center gap-x-6 gap-y-2 text-sm">
        <nav aria-label="Window" className="flex items-center gap-1">
          {DAYS.map((d) => (
            <Link key={d} href={link({ days: d })} prefetch={false} aria-current={d === days ? 'page' : undefined} className={tab(d === days)}>
              {d} days
            </Link>
          ))}
        </nav>
        <nav aria-label="Environment" className="flex items-center gap-1">
          {environments.map((e) => (
            <Link key={e.name} href={link({ environment: e.name })} prefetch={false} aria-current={e.name === i.environment ? 'page' : undefined} className={tab(e.name === i.environment)}>
              {e.name}
            </Link>
          ))}
        </nav>
        <form action="/insights" className="flex items-end gap-2">
          <input type="hidden" name="days" value={days} />
          <input type="hidden" name="environment" value={i.environment} />
          <label className="text-xs font-medium">
            Service
            <select name="service" defaultValue={service ?? ''} className="block rounded-md border border-zinc-300 bg-white px-2 py-1 text-sm dark:border-zinc-700 dark:bg-zinc-950">
              <option value="">all services</option>
              {services.map((s) => (
                <option key={s.name}>{s.name}</option>
              ))}
            </select>
          </label>
          <button type="submit" className="rounded-md px-3 py-1 text-sm ring-1 ring-inset ring-zinc-300 dark:ring-zinc-700">
            Show
          </button>
        </form>
      </div>
      <Figures f={i.overall} />
      {!service && (
        <Section title="Per service">
          <ul className="divide-y divide-zinc-100 dark:divide-zinc-800" data-testid="insights-services">
            {i.services.map((s) => (
              <li key={s.service} className="grid grid-cols-2 gap-x-4 gap-y-1 py-2 text-sm sm:grid-cols-5" data-testid={`insights-service-${s.service}`}>
                <Link href={link({ service: s.service })} prefetch={false} className="col-span-2 font-medium hover:underline sm:col-span-1">
                  {s.service}
                </Link>
                <Cell label="Deploys" value={perDay(s.perDay)} />
                <Cell label="Lead time" value={dur(s.leadTime.medianSeconds)} />
                <Cell label="Failure rate" value={s.changeFailureRate.rate === null ? '—' : formatRate(s.changeFailureRate.rate)} />
                <Cell label="Restore" value={dur(s.timeToRestore.medianSeconds)} />
              </li>
            ))}
          </ul>
        </Section>
      )}
    </div>
  );
}

function Cell({ label, value }: { label: string; value: string }) {
  return (
    <span className="tabular-nums">
      <span className="text-xs text-muted">{label}: </span>
      {value}
    </span>
  );
}

function Figures({ f }: { f: InsightsFigures }) {
  const cards = [
    {
      key: 'frequency',
      title: 'Deployment frequency',
      value: perDay(f.perDay),
      detail: `${f.deployments} successful deployment${f.deployments === 1 ? '' : 's'}`,
      points: f.trend.map((t) => ({ start: t.start, value: t.deployments })),
      format: (v: number) => String(v),
      bars: true,
    },
    {
      key: 'lead-time',
      title: 'Lead time',
      value: dur(f.leadTime.medianSeconds),
      detail: `median, version registered → live (${f.leadTime.count})`,
      points: f.trend.map((t) => ({ start: t.start, value: t.leadTimeSeconds })),
      format: formatDuration,
    },
    {
      key: 'failure-rate',
      title: 'Change failure rate',
      value: f.changeFailureRate.rate === null ? '—' : formatRate(f.changeFailureRate.rate),
      detail: `${f.changeFailureRate.failed} of ${f.changeFailureRate.changes} failed, aborted or rolled back`,
      points: f.trend.map((t) => ({ start: t.start, value: t.failureRate })),
      format: (v: number) => formatRate(v),
    },
    {
      key: 'restore',
      title: 'Time to restore',
      value: dur(f.timeToRestore.medianSeconds),
      detail: `median, bad version live → good version live (${f.timeToRestore.count}${f.timeToRestore.unrestored ? `, ${f.timeToRestore.unrestored} not yet restored` : ''})`,
      points: f.trend.map((t) => ({ start: t.start, value: t.restoreSeconds })),
      format: formatDuration,
    },
  ];
  return (
    <div className="grid gap-4 sm:grid-cols-2 xl:grid-cols-4">
      {cards.map((c) => (
        <section key={c.key} className="min-w-0 rounded-lg border border-zinc-200 bg-white p-4 dark:border-zinc-800 dark:bg-zinc-900/40" data-testid={`insight-${c.key}`} aria-labelledby={`insight-${c.key}-title`}>
          <h2 id={`insight-${c.key}-title`} className="text-sm font-semibold">
            {c.title}
          </h2>
          <p className="mt-1 text-2xl font-semibold tabular-nums" data-testid={`insight-${c.key}-value`}>
            {c.value}
          </p>
          <p className="text-xs text-muted">{c.detail}</p>
          <div className="mt-2">
            <TrendChart label={c.title} points={c.points} format={c.format} bars={c.bars} testId={`insight-${c.key}-trend`} />
          </div>
        </section>
      ))}
    </div>
  );
}
