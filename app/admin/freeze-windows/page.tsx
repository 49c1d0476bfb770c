import type { Metadata } from 'next';
import { systemClock } from '@/lib/clock';
import { requireUser } from '@/lib/auth/next';
import { listEnvironments, listFreezeWindows, serviceContext } from '@/lib/services';
import { createFreezeWindowAction, deleteFreezeWindowAction } from '../actions';
import { FreezeWindowForm } from '../forms';
import { ScrollRegion } from '@/components/ui/scroll-region';

export const metadata: Metadata = { title: 'Freeze windows · Admin' };

export const dynamic = 'force-dynamic';

async function remove(form: FormData) {
  'use server';
  await deleteFreezeWindowAction(form);
}

export default async function FreezeWindowsPage() {
  const p = await requireUser();
  if (p.role !== 'admin') return null;
  const db = serviceContext().db;
  const [{ windows, periods }, { environments }] = await Promise.all([listFreezeWindows(db, systemClock.now()), listEnvironments(db)]);
  return (
    <div className="space-y-6">
      <h1 className="text-xl font-semibold">Freeze windows</h1>
      <p className="text-sm text-muted">Deploys and promotions are refused while a window is open; rollbacks never are. An admin may override with a reason, which is recorded.</p>
      <FreezeWindowForm action={createFreezeWindowAction} environments={environments.map((e) => e.name)} />
      <section>
        <h2 className="mb-2 text-base font-semibold">Frozen in the next 14 days</h2>
        {periods.length === 0 ? (
          <p className="text-sm text-muted">Nothing is frozen.</p>
        ) : (
          <ul className="space-y-1 text-sm" data-testid="freeze-periods">
            {periods.map((x) => (
              <li key={`${x.start}-${x.end}`}>
                {x.active && <strong className="text-red-700 dark:text-red-400">now · </strong>}
                {x.start.slice(0, 16).replace('T', ' ')} → {x.end.slice(0, 16).replace('T', ' ')} UTC · {x.environments.join(', ') || 'every environment'} ·{' '}
                {x.services.join(', ') || 'every service'} · {x.reasons.join('; ')}
              </li>
            ))}
          </ul>
        )}
      </section>
      <ScrollRegion label="Freeze windows">
      <table className="w-full text-left text-sm">
        <thead className="text-muted">
          <tr>
            <th className="py-2">Reason</th>
            <th>When</th>
            <th>Applies to</th>
            <th>Next</th>
            <th>
              <span className="sr-only">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {windows.length === 0 && (
            <tr>
              <td colSpan={5} className="py-3 text-muted" data-testid="empty-state">
                No freeze windows. Add one above to refuse deploys during a period; rollbacks stay allowed.
              </td>
            </tr>
          )}
          {windows.map((w) => (
            <tr key={w.id} className="border-t border-zinc-200 dark:border-zinc-800" data-testid={`freeze-${w.id}`}>
              <td className="py-2">{w.reason}</td>
              <td className="font-mono text-xs">{w.cron ? `${w.cron} for ${w.durationMinutes} min (${w.timeZone})` : `${w.startsAt} → ${w.endsAt}`}</td>
              <td className="text-xs">
                {w.environments.join(', ') || 'every environment'} · {w.services.join(', ') || 'every service'}
              </td>
              <td className="text-xs">{w.active ? 'open now' : (w.next?.start.slice(0, 16).replace('T', ' ') ?? '—')}</td>
              <td>
                <form action={remove}>
                  <input type="hidden" name="id" value={w.id} />
                  <button className="rounded border border-red-300 px-2 py-0.5 text-red-700 dark:border-red-800 dark:text-red-400">Delete</button>
                </form>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      </ScrollRegion>
    </div>
  );
}
