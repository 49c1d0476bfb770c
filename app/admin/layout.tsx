import Link from 'next/link';
import { requireUser } from '@/lib/auth/next';

export const dynamic = 'force-dynamic';

export default async function AdminLayout({ children }: { children: React.ReactNode }) {
  const p = await requireUser();
  return (
    <section>
      <div className="mb-6">
        <nav className="flex gap-4 text-sm font-medium">
          <Link href="/">Overview</Link>
          <Link href="/admin/users">Users</Link>
          <Link href="/admin/tokens">API tokens</Link>
          <Link href="/admin/environments">Environments</Link>
          <Link href="/admin/hosts">Hosts</Link>
          <Link href="/admin/freeze-windows">Freeze windows</Link>
          <Link href="/admin/audit">Audit log</Link>
        </nav>
      </div>
      {p.role === 'admin' ? (
        children
      ) : (
        <p className="text-sm text-red-600 dark:text-red-400" data-testid="forbidden">
          This page needs the admin role; you are a {p.role}.
        </p>
      )}
    </section>
  );
}
