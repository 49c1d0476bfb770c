import Link from 'next/link';

type EnvSummary = { name: string; protected?: boolean; liveVersion: string | null };

/** The environments of a service as tabs, each with the version live there. */
export function EnvironmentTabs({ service, current, environments }: { service: string; current: string; environments: EnvSummary[] }) {
  return (
    <nav aria-label="Environments" className="mt-1 flex flex-wrap gap-1 text-sm" data-testid="environment-tabs">
      {environments.map((e, i) => (
        <span key={e.name} className="flex items-center gap-1">
          {i > 0 && <span className="text-muted" aria-hidden>→</span>}
          <Link
            href={`/services/${service}?environment=${e.name}`}
            aria-current={e.name === current ? 'page' : undefined}
            className={`rounded px-2 py-0.5 ${e.name === current ? 'bg-zinc-200 font-medium dark:bg-zinc-800' : 'text-zinc-600 hover:bg-zinc-100 dark:text-zinc-400 dark:hover:bg-zinc-800'}`}
            data-testid={`env-tab-${e.name}`}
          >
            {e.name} <span className="font-mono text-xs">{e.liveVersion ? `v${e.liveVersion}` : '—'}</span>
            {e.protected && <span className="ml-1 text-xs text-violet-700 dark:text-violet-300">needs approval</span>}
          </Link>
        </span>
      ))}
    </nav>
  );
}

/** Where a version went: each environment it reached, in order, and whether it is live there now. */
export function VersionPath({ path }: { path: Array<{ environment: string; reachedAt: string | null; live: boolean }> }) {
  return (
    <span className="flex flex-wrap items-center gap-1 text-xs">
      {path.map((p, i) => (
        <span key={p.environment} className="flex items-center gap-1">
          {i > 0 && <span className="text-muted" aria-hidden>→</span>}
          <span
            title={p.reachedAt ? `first live in ${p.environment} at ${new Date(p.reachedAt).toLocaleString()}` : `never in ${p.environment}`}
            className={p.live ? 'font-medium text-emerald-700 dark:text-emerald-400' : p.reachedAt ? 'text-zinc-600 dark:text-zinc-300' : 'text-muted line-through'}
          >
            {p.environment}
            {p.live ? ' (live)' : ''}
          </span>
        </span>
      ))}
    </span>
  );
}
