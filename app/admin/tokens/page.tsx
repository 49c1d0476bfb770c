import type { Metadata } from 'next';
import { serviceContext } from '@/lib/services';
import { requireUser } from '@/lib/auth/next';
import { listApiTokens } from '@/lib/auth/users';
import { createTokenAction, revokeTokenAction } from '../actions';
import { CreateTokenForm } from '../forms';
import { ScrollRegion } from '@/components/ui/scroll-region';

export const metadata: Metadata = { title: 'API tokens · Admin' };

export const dynamic = 'force-dynamic';

async function revoke(form: FormData) {
  'use server';
  await revokeTokenAction(form);
}

export default async function TokensPage() {
  const p = await requireUser();
  if (p.role !== 'admin') return null;
  const tokens = await listApiTokens(serviceContext().db);
  return (
    <div className="space-y-6">
      <h1 className="text-xl font-semibold">API tokens</h1>
      <p className="text-sm text-muted">
        For CI: <code className="font-mono">FLIGHTDECK_TOKEN=… npx flightdeck deploy --service S --version V --wait</code>. A token is shown once; only its hash is kept.
      </p>
      <CreateTokenForm action={createTokenAction} />
      <ScrollRegion label="API tokens">
      <table className="w-full text-left text-sm">
        <thead className="text-muted">
          <tr>
            <th className="py-2">Name</th>
            <th>Token</th>
            <th>Role</th>
            <th>Scope</th>
            <th>Created</th>
            <th>Last used</th>
            <th>Status</th>
          </tr>
        </thead>
        <tbody>
          {tokens.length === 0 && (
            <tr>
              <td colSpan={7} className="py-3 text-muted" data-testid="empty-state">
                No API tokens yet. Create one above for CI; it is shown once.
              </td>
            </tr>
          )}
          {tokens.map((t) => (
            <tr key={t.id} data-testid={`token-row-${t.name}`} className="border-t border-zinc-200 dark:border-zinc-800">
              <td className="py-2 font-medium">{t.name}</td>
              <td className="font-mono text-muted">{t.prefix}…</td>
              <td>{t.role}</td>
              <td>{t.serviceScope.join(', ') || 'all'}</td>
              <td className="text-muted">
                {t.createdAt.slice(0, 16).replace('T', ' ')} by {t.createdBy}
              </td>
              <td className="text-muted">{t.lastUsedAt?.slice(0, 16).replace('T', ' ') ?? 'never'}</td>
              <td>
                {t.revokedAt ? (
                  <span className="text-muted">revoked by {t.revokedBy}</span>
                ) : (
                  <form action={revoke}>
                    <input type="hidden" name="id" value={t.id} />
                    <button className="rounded border border-red-300 px-2 py-0.5 text-red-700 dark:border-red-800 dark:text-red-400">Revoke</button>
                  </form>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      </ScrollRegion>
    </div>
  );
}
