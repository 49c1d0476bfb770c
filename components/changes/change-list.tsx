import Link from 'next/link';
import type { Change } from '@/lib/services/changes';
import { Badge, StateBadge, type Tone } from '../ui/badge';
import { Empty } from '../ui/states';
import { Ago } from '../ui/time';

const KIND_TONE: Record<Change['kind'], Tone> = { deploy: 'blue', rollback: 'amber', version: 'violet', service: 'zinc', config: 'violet' };

/** What a deployment brought in or a rollback undid: commits (linked when the service has a compare template) and config keys. */
function Diff({ c }: { c: Change }) {
  const d = c.diff;
  if (!d) return null;
  const shas = d.versions.map((v) => (v.commitSha ? `v${v.version} ${v.commitSha.slice(0, 7)}` : null)).filter(Boolean);
  const keys = [...d.config.added.map((k) => `+${k}`), ...d.config.removed.map((k) => `−${k}`), ...d.config.changed.map((k) => `~${k}`)];
  if (shas.length === 0 && keys.length === 0 && !d.compareUrl) return null;
  return (
    <span data-testid="change-diff">
      {' '}
      · {c.kind === 'rollback' ? 'undoes' : 'brings'} {shas.join(', ')}
      {d.compareUrl && (
        <>
          {' '}
          <a href={d.compareUrl} className="underline" target="_blank" rel="noreferrer">
            commits
          </a>
        </>
      )}
      {keys.length > 0 && <> · config {keys.join(' ')}</>}
    </span>
  );
}

function rate(t: Change['before']): string {
  if (!t) return '—';
  if (t.errorRate === null) return `${t.requests} req`;
  return `${t.requests} req, ${(t.errorRate * 100).toFixed(2)} % err`;
}

/** Changes across services, newest first; with `compact` a short list for the overview. */
export function ChangeList({ changes, compact, rollback }: { changes: Change[]; compact?: boolean; rollback?: (service: string) => React.ReactNode }) {
  if (changes.length === 0) return <Empty>Nothing has changed yet.</Empty>;
  // Rollback is offered on each service's newest deployment only: that is what it undoes.
  const newest = new Set<string>();
  const seen = new Set<string>();
  for (const c of changes) {
    if ((c.kind === 'deploy' || c.kind === 'rollback') && !seen.has(c.service)) {
      seen.add(c.service);
      if (c.from !== null || c.state === 'running' || c.state === 'paused' || c.state === 'queued') newest.add(c.id);
    }
  }
  return (
    <ol className="divide-y divide-zinc-200 text-sm dark:divide-zinc-800" data-testid="change-list">
      {changes.map((c) => (
        <li key={c.id} className="flex flex-wrap items-center gap-x-3 gap-y-1 py-1.5" data-testid={`change-${c.kind}`}>
          <span className="w-24 shrink-0 text-xs text-zinc-500">
            <Ago iso={c.at} />
          </span>
          <Badge tone={KIND_TONE[c.kind]}>{c.kind}</Badge>
          <Link href={`/services/${c.service}`} className="font-medium hover:underline">
            {c.service}
          </Link>
          {c.deploymentId ? (
            <Link href={`/deployments/${c.deploymentId}`} className="min-w-0 flex-1 truncate hover:underline">
              {c.summary}
            </Link>
          ) : (
            <span className="min-w-0 flex-1 truncate">{c.summary}</span>
          )}
          {c.state && <StateBadge state={c.state} />}
          {!compact && rollback && newest.has(c.id) && rollback(c.service)}
          {!compact && (
            <span className="basis-full pl-27 text-xs text-zinc-500">
              by {c.actor}
              {((c.before?.requests ?? 0) > 0 || (c.after?.requests ?? 0) > 0) && (
                <>
                  {' '}
                  · 5 min before: {rate(c.before)} · after: {rate(c.after)}
                </>
              )}
              {c.reason && <> · {c.reason}</>}
              <Diff c={c} />
            </span>
          )}
        </li>
      ))}
    </ol>
  );
}
