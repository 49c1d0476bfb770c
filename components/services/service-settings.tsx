import Link from 'next/link';
import { Badge } from '../ui/badge';
import { Ago } from '../ui/time';
import { resolveRollbackPolicy } from '@/lib/engine/rollback-policy';
import { BreakLeaseButton } from './break-lease-button';

type Hook = { name: string; command?: string; url?: string; timeoutSeconds?: number };

type Settings = {
  name: string;
  requiredConfigKeys: string[];
  defaultStrategy: string;
  strategyParams: unknown;
  health: unknown;
  hooks: unknown;
  slo: { availability: number; latencyMs: number | null };
  errorBudget: { exhausted: boolean; frozen: boolean; leftMinutes: number; budgetMinutes: number; periodDays: number; requests: number; errors: number };
  rollbackPolicy?: unknown;
};

/** The rollback settings in words: how long the previous version stays warm, and any post-promotion analysis. */
function rollbackWords(raw: unknown): string {
  const p = resolveRollbackPolicy(raw ?? {});
  const warm =
    p.warmWindowMinutes === 0
      ? 'no warm window: a rollback starts instances'
      : `previous version kept warm ${p.warmWindowMinutes} min after a success (${p.warmFraction >= 1 ? 'every instance' : `${Math.round(p.warmFraction * 100)} % of instances`})`;
  return p.postPromotion ? `${warm}; analysed ${p.postPromotion.windowSeconds} s at 100 % before success` : warm;
}

/** A service's settings in words: config keys, strategy, health check, SLO and budget, hooks, lease. */
export function ServiceSettings({ s, env, lease }: { s: Settings; env: string; lease: { deploymentId: string; owner: string | null; expiresAt: string; short: string } | null }) {
  const hooks = s.hooks as { pre: Hook[]; post: Hook[]; preRollback?: Hook[]; postRollback?: Hook[] };
  const health = s.health as Record<string, unknown>;
  const hookList = (hs: Hook[]) => (hs.length ? hs.map((h) => `${h.name} (${h.command ?? h.url})`).join(' → ') : 'none');
  return (
    <dl className="grid grid-cols-1 gap-x-4 gap-y-1 text-sm sm:grid-cols-[max-content_minmax(0,1fr)]">
      <dt className="text-muted">Required config keys</dt>
      <dd className="flex flex-wrap gap-1">{s.requiredConfigKeys.length ? s.requiredConfigKeys.map((k) => <Badge key={k}>{k}</Badge>) : 'none'}</dd>
      <dt className="text-muted">Default strategy</dt>
      <dd className="break-words">
        {s.defaultStrategy} <span className="font-mono text-xs text-muted">{JSON.stringify(s.strategyParams)}</span>
      </dd>
      <dt className="text-muted">Health check</dt>
      <dd className="text-xs">
        {String(health.path)} every {String(health.intervalSeconds)} s, timeout {String(health.timeoutSeconds)} s, {String(health.healthyThreshold)} ok / {String(health.unhealthyThreshold)} failed, grace {String(health.gracePeriodSeconds)} s
      </dd>
      <dt className="text-muted">SLO</dt>
      <dd>
        {s.slo.availability}% availability{s.slo.latencyMs ? `, ${s.slo.latencyMs} ms` : ''}
      </dd>
      <dt className="text-muted">Error budget in {env}</dt>
      <dd className={s.errorBudget.exhausted ? 'font-semibold text-red-700 dark:text-red-400' : ''} data-testid="error-budget">
        {s.errorBudget.leftMinutes.toFixed(1)} of {s.errorBudget.budgetMinutes.toFixed(1)} min left over {s.errorBudget.periodDays} days ({s.errorBudget.requests} requests, {s.errorBudget.errors} errors)
        {s.errorBudget.frozen && ' · deploys frozen until it recovers (an admin may override)'}
      </dd>
      <dt className="text-muted">Pre-deploy hooks</dt>
      <dd className="break-words text-xs">{hookList(hooks.pre)}</dd>
      <dt className="text-muted">Post-deploy hooks</dt>
      <dd className="break-words text-xs">{hookList(hooks.post)}</dd>
      <dt className="text-muted">Rollback</dt>
      <dd className="break-words text-xs" data-testid="settings-rollback">
        {rollbackWords(s.rollbackPolicy)}
        {(hooks.preRollback?.length ?? 0) + (hooks.postRollback?.length ?? 0) > 0 && (
          <>
            {' '}
            · hooks: {hookList(hooks.preRollback ?? [])} before, {hookList(hooks.postRollback ?? [])} after
          </>
        )}
      </dd>
      <dt className="text-muted">Lease in {env}</dt>
      <dd className="text-xs" data-testid="lease">
        {lease ? (
          <>
            held by deployment{' '}
            <Link className="font-mono hover:underline" prefetch={false} href={`/deployments/${lease.deploymentId}`}>
              {lease.short}
            </Link>{' '}
            ({lease.owner ? `worker ${lease.owner}` : 'waiting for a worker'}), expires <Ago iso={lease.expiresAt} /> <BreakLeaseButton service={s.name} environment={env} owner={lease.owner} />
          </>
        ) : (
          'free'
        )}
      </dd>
    </dl>
  );
}
