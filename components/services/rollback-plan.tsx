'use client';

import { Badge } from '../ui/badge';
import { fmtDuration, useNow } from '../ui/time';

/** A rollback as the server decided it (the dry run's answer). */
export type RollbackPlan = {
  mode: 'abort-in-flight' | 'deployment';
  deploymentId: string | null;
  from: string | null;
  target: string | null;
  skipped: Array<{ semver: string; reason: string }>;
  warm: { version: string; until: string; secondsLeft: number; instances: number } | null;
  startsInstances: number | null;
  estimatedSeconds: { min: number; max: number };
  migrations: {
    undone: Array<{ version: string; id: string; reversible: boolean; action: 'down_hook' | 'nothing_to_run' | 'irreversible' }>;
    irreversible: Array<{ version: string; id: string }>;
    refusal: string | null;
  };
  hooks: { preRollback: string[]; postRollback: string[] };
  undoes: {
    versions: Array<{ version: string; commitSha: string | null; changelogUrl: string | null; notes: string }>;
    compareUrl: string | null;
    config: { added: string[]; removed: string[]; changed: string[] };
  } | null;
};

const ACTION_WORDS = { down_hook: 'its down hook runs first', nothing_to_run: 'reversible, nothing to run', irreversible: 'irreversible' } as const;

function seconds(r: { min: number; max: number }): string {
  return r.min === r.max ? `≈${r.min} s` : `${r.min}–${r.max} s`;
}

/** How fast traffic comes back: a switch inside the warm window, or instances to start first. */
function Speed({ plan }: { plan: RollbackPlan }) {
  const now = useNow();
  if (plan.warm) {
    const left = Math.max(0, Math.round((Date.parse(plan.warm.until) - now) / 1000));
    return (
      <p data-testid="rollback-speed">
        <Badge tone="green">warm</Badge> v{plan.warm.version} still runs out of rotation ({plan.warm.instances} instance{plan.warm.instances === 1 ? '' : 's'}): traffic switches at once,{' '}
        {plan.startsInstances ? `then ${plan.startsInstances} more instance(s) start` : 'no process starts'}. The window closes in {fmtDuration(left)}.
      </p>
    );
  }
  if (plan.mode === 'abort-in-flight') {
    return (
      <p data-testid="rollback-speed">
        The deployment in flight is aborted and v{plan.from} is marked bad.{' '}
        {plan.startsInstances ? `${plan.startsInstances} instance(s) of v${plan.target} start first (${seconds(plan.estimatedSeconds)}).` : 'Traffic moves back at once; no new instances start.'}
      </p>
    );
  }
  return (
    <p data-testid="rollback-speed">
      {plan.from ? `v${plan.from} is marked bad. ` : ''}No warm instances: {plan.startsInstances ?? 'the'} instance{plan.startsInstances === 1 ? '' : 's'} of v{plan.target} start beside the current version, then traffic switches
      atomically — {seconds(plan.estimatedSeconds)} until traffic is back.
    </p>
  );
}

/** Everything a rollback would do, in words: speed, migrations, hooks, what it undoes. */
export function RollbackPlanView({ plan }: { plan: RollbackPlan }) {
  const u = plan.undoes;
  const config = u ? [...u.config.added.map((k) => `+${k}`), ...u.config.removed.map((k) => `−${k}`), ...u.config.changed.map((k) => `~${k}`)] : [];
  return (
    <div className="space-y-2 text-sm" data-testid="rollback-plan">
      {plan.target ? (
        <p className="text-base">
          Traffic returns to <strong className="font-mono">v{plan.target}</strong>
          {plan.from && (
            <>
              {' '}
              from <span className="font-mono">v{plan.from}</span>
            </>
          )}
          .
        </p>
      ) : (
        <p className="text-base">No earlier version served: the in-flight deployment stops and nothing serves.</p>
      )}
      <div className="text-zinc-600 dark:text-zinc-400">
        <Speed plan={plan} />
      </div>
      {plan.migrations.undone.length > 0 && (
        <div data-testid="rollback-migrations">
          <p className="font-medium">Migrations undone</p>
          <ul className="list-inside list-disc text-zinc-600 dark:text-zinc-400">
            {plan.migrations.undone.map((m) => (
              <li key={`${m.version}:${m.id}`} className={m.action === 'irreversible' ? 'text-red-700 dark:text-red-400' : ''}>
                <span className="font-mono">{m.id}</span> (v{m.version}): {ACTION_WORDS[m.action]}
              </li>
            ))}
          </ul>
        </div>
      )}
      {(plan.hooks.preRollback.length > 0 || plan.hooks.postRollback.length > 0) && (
        <p className="text-zinc-600 dark:text-zinc-400">
          Hooks: {[...plan.hooks.preRollback.map((h) => `${h} (before)`), ...plan.hooks.postRollback.map((h) => `${h} (after)`)].join(', ')}
        </p>
      )}
      {u && u.versions.length > 0 && (
        <div data-testid="rollback-undoes" className="text-zinc-600 dark:text-zinc-400">
          Undoes{' '}
          {u.versions.map((v, i) => (
            <span key={v.version}>
              {i > 0 && ', '}
              <span className="font-mono">v{v.version}</span>
              {v.commitSha && <span className="font-mono"> ({v.commitSha.slice(0, 7)})</span>}
              {v.changelogUrl && (
                <>
                  {' '}
                  <a href={v.changelogUrl} className="underline" target="_blank" rel="noreferrer">
                    changes
                  </a>
                </>
              )}
            </span>
          ))}
          {u.compareUrl && (
            <>
              {' '}
              ·{' '}
              <a href={u.compareUrl} className="underline" target="_blank" rel="noreferrer">
                commits
              </a>
            </>
          )}
          {config.length > 0 && <> · config: {config.join(' ')}</>}
        </div>
      )}
      {plan.skipped.some((s) => s.reason !== 'current version') && (
        <p className="text-zinc-600 dark:text-zinc-400">
          Passed over:{' '}
          {plan.skipped
            .filter((s) => s.reason !== 'current version')
            .map((s) => `v${s.semver} (${s.reason})`)
            .join(', ')}
        </p>
      )}
    </div>
  );
}
