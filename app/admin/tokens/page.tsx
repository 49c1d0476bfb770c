import { serviceContext } from '@/lib/services';
import { requireUser } from '@/lib/auth/next';
import { listApiTokens } from '@/lib/auth/users';
import { createTokenAction, revokeTokenAction } from '../actions';
import { CreateTokenForm } from '../forms';

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
      <p className="text-sm text-zinc-500">
        For CI: <code className="font-mono">FLIGHTDECK_TOKEN=… npx flightdeck deploy --service S --version V --wait</code>. A token is shown once; only its hash is kept.
      </p>
      <CreateTokenForm action={createTokenAction} />
      <table className="w-full text-left text-sm">
        <thead className="text-zinc-500">
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
          {tokens.map((t) => (
            <tr key={t.id} data-testid={`token-row-${t.name}`} className="border-t border-zinc-200 dark:border-zinc-800">
              <td className="py-2 font-medium">{t.name}</td>
              <td className="font-mono text-zinc-500">{t.prefix}…</td>
              <td>{t.role}</td>
              <td>{t.serviceScope.join(', ') || 'all'}</td>
              <td className="text-zinc-500">
                {t.createdAt.slice(0, 16).replace('T', ' ')} by {t.createdBy}
              </td>
              <td className="text-zinc-500">{t.lastUsedAt?.slice(0, 16).replace('T', ' ') ?? 'never'}</td>
              <td>
                {t.revokedAt ? (
                  <span className="text-zinc-500">revoked by {t.revokedBy}</span>
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
    </div>
  );
}
