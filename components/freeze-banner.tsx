import { systemClock } from '@/lib/clock';
import { listFreezeWindows, serviceContext } from '@/lib/services';

/** Shown on every page while a freeze window is open (or opens within the hour): where, until when, and why. */
export async function FreezeBanner() {
  const now = systemClock.now();
  const { periods } = await listFreezeWindows(serviceContext().db, now).catch(() => ({ periods: [] }));
  const soon = periods.filter((p) => p.active || Date.parse(p.start) - now < 60 * 60_000);
  if (soon.length === 0) return null;
  return (
    <div className="border-b border-red-300 bg-red-50 px-6 py-2 text-sm text-red-900 dark:border-red-500/40 dark:bg-red-500/10 dark:text-red-200" role="status" data-testid="freeze-banner">
      {soon.map((p) => (
        <p key={p.start}>
          <strong>{p.active ? 'Deploys frozen' : 'Deploy freeze at ' + p.start.slice(11, 16) + ' UTC'}</strong> in {p.environments.join(', ') || 'every environment'}
          {p.services.length ? ` for ${p.services.join(', ')}` : ''} until {p.end.slice(0, 16).replace('T', ' ')} UTC — {p.reasons.join('; ')}. Rollbacks are always allowed.
        </p>
      ))}
    </div>
  );
}
