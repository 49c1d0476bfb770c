import Link from 'next/link';
import type { Change } from '@/lib/services/changes';
import { formatCount, formatRate } from '@/lib/engine/format';
import { Badge, StateBadge, type Tone } from '../ui/badge';
import { Empty } from '../ui/states';
import { Ago } from '../ui/time';

const KIND_TONE: Record<Change['kind'], Tone> = { deploy: 'blue', rollback: 'amber', version: 'violet', service: 'zinc', config: 'violet' };
const ACTIVE = new Set(['queued', 'running', 'paused']);

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


/**
 * Where Roll back may be offered: on the newest deployment of each service in each environment,
 * and only while that deployment is in flight or its version is what it left live. A failed or
 * aborted one already sent traffic back, and a rollback row already undid something: rolling
 * back from there would roll the current good version back.
 */
export function rollbackRows(changes: Change[]): Set<string> {
  const out = new Set<string>();
  const seen = new Set<string>();
  for (const c of changes) {
    if (c.kind !== 'deploy' && c.kind !== 'rollback') continue;
    const key = `${c.service}\u0000${c.environment}`;
    if (seen.has(key)) continue;
    seen.add(key);
    if (c.kind === 'deploy' && (ACTIVE.has(c.state ?? '') || (c.state === 'succeeded' && c.from !== null))) out.add(c.id);
  }
  return out;
}

/** Error rate before and after a deployment as two small bars, with the request counts in words beside. */
function BeforeAfter({ c }: { c: Change }) {
  const b = c.before?.errorRate ?? null;
  const a = c.after?.errorRate ?? null;
  const max = Math.max(0.01, b ?? 0, a ?? 0);
  const h = (v: number | null) => (v === null ? 0 : Math.max(1, (v / max) * 20));
  const worse = a !== null && b !== null && a > b + 0.005;
  return (
    <span className="inline-flex items-center gap-2" data-testid="before-after">
      <svg width="46" height="24" viewBox="0 0 46 24" role="img" aria-label={`error rate 5 minutes before ${formatRate(b)}, after ${formatRate(a)}`}>
        <line x1="0" x2="46" y1="23" y2="23" className="stroke-zinc-300 dark:stroke-zinc-700" />
        <rect x="4" width="16" y={23 - h(b)} height={h(b)} className="fill-zinc-500" />
        <rect x="26" width="16" y={23 - h(a)} height={h(a)} className={worse ? 'fill-red-600 dark:fill-red-400' : 'fill-emerald-600 dark:fill-emerald-400'} />
      </svg>
      <span className="tabular-nums">
        errors {formatRate(b)} → <span className={worse ? 'font-semibold text-red-700 dark:text-red-400' : ''}>{formatRate(a)}</span> · {formatCount(c.before?.requests ?? 0)} → {formatCount(c.after?.requests ?? 0)} requests (5 min before → after)
      </span>
    </span>
  );
}

/** Changes across services, newest first; with `compact` a short list for the overview. */
export function ChangeList({ changes, compact, rollback }: { changes: Change[]; compact?: boolean; rollback?: (service: string, environment: string) => React.ReactNode }) {
  if (changes.length === 0) return <Empty>Nothing has changed yet.</Empty>;
  const offer = rollbackRows(changes);
  return (
    <ol className="divide-y divide-zinc-200 text-sm dark:divide-zinc-800" data-testid="change-list">
      {changes.map((c) => (
        <li key={c.id} className="flex flex-wrap items-center gap-x-3 gap-y-1 py-1.5" data-testid={`change-${c.kind}`}>
          <span className="shrink-0 text-xs text-muted sm:w-24">
            <Ago iso={c.at} />
          </span>
          <Badge tone={KIND_TONE[c.kind]}>{c.kind}</Badge>
          <Link href={`/services/${c.service}${c.environment ? `?environment=${c.environment}` : ''}`} prefetch={false} className="font-medium hover:underline">
            {c.service}
          </Link>
          {c.deploymentId ? (
            <Link href={`/deployments/${c.deploymentId}`} prefetch={false} className="min-w-0 basis-full break-words hover:underline sm:basis-0 sm:flex-1 sm:truncate">
              {c.summary}
            </Link>
          ) : (
            <span className="min-w-0 basis-full break-words sm:basis-0 sm:flex-1 sm:truncate">{c.summary}</span>
          )}
          {c.state && <StateBadge state={c.state} />}
          {!compact && rollback && c.environment && offer.has(c.id) && rollback(c.service, c.environment)}
          {!compact && (
            <span className="basis-full text-xs text-muted sm:pl-27">
              by {c.actor}
              {c.reason && <> · {c.reason}</>}
              <Diff c={c} />
              {((c.before?.requests ?? 0) > 0 || (c.after?.requests ?? 0) > 0) && (
                <span className="mt-1 flex">
                  <BeforeAfter c={c} />
                </span>
              )}
            </span>
          )}
        </li>
      ))}
    </ol>
  );
}
