import type { Metadata } from 'next';
import { serviceContext } from '@/lib/services';
import Link from 'next/link';
import { requireUser } from '@/lib/auth/next';
import { listAudit, OUTCOMES } from '@/lib/auth/audit';
import { ScrollRegion } from '@/components/ui/scroll-region';

export const metadata: Metadata = { title: 'Audit log · Admin' };

export const dynamic = 'force-dynamic';

export default async function AuditPage({ searchParams }: { searchParams: Promise<{ outcome?: string }> }) {
  const p = await requireUser();
  if (p.role !== 'admin') return null;
  const { outcome } = await searchParams;
  const entries = await listAudit(serviceContext().db, { limit: 200, ...(outcome && (OUTCOMES as readonly string[]).includes(outcome) ? { outcome } : {}) });
  return (
    <div className="space-y-4">
      <h1 className="text-xl font-semibold">Audit log</h1>
      <nav aria-label="Filter by outcome" className="flex flex-wrap gap-3 text-sm">
        <Link href="/admin/audit" prefetch={false} aria-current={!outcome ? 'page' : undefined} className={!outcome ? 'font-semibold underline' : 'text-muted'}>
          all
        </Link>
        {OUTCOMES.map((o) => (
          <Link key={o} href={`/admin/audit?outcome=${o}`} prefetch={false} aria-current={outcome === o ? 'page' : undefined} className={outcome === o ? 'font-semibold underline' : 'text-muted'}>
            {o}
          </Link>
        ))}
      </nav>
      <ScrollRegion label="Audit log entries">
      <table className="w-full text-left text-sm">
        <thead className="text-muted">
          <tr>
            <th className="py-2">When (UTC)</th>
            <th>Actor</th>
            <th>Action</th>
            <th>Target</th>
            <th>Outcome</th>
          </tr>
        </thead>
        <tbody>
          {entries.length === 0 && (
            <tr>
              <td colSpan={5} className="py-3 text-muted" data-testid="empty-state">
                Nothing recorded with this outcome yet.
              </td>
            </tr>
          )}
          {entries.map((e) => (
            <tr key={e.id} data-testid="audit-row" className="border-t border-zinc-200 dark:border-zinc-800">
              <td className="py-1 font-mono text-xs text-muted">{e.at.slice(0, 19).replace('T', ' ')}</td>
              <td>{e.actor}</td>
              <td className="font-mono text-xs">{e.action}</td>
              <td className="font-mono text-xs">{e.target}</td>
              <td className={e.outcome === 'ok' ? 'text-emerald-700 dark:text-emerald-400' : 'text-red-600 dark:text-red-400'} title={JSON.stringify(e.details)}>
                {e.outcome} ({e.status})
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      </ScrollRegion>
    </div>
  );
}
