import { requireUser } from '@/lib/auth/next';
import { AdminNav } from '@/components/admin-nav';

export const dynamic = 'force-dynamic';

export default async function AdminLayout({ children }: { children: React.ReactNode }) {
  const p = await requireUser();
  return (
    <section>
      <div className="mb-6">
        <AdminNav />
      </div>
      {p.role === 'admin' ? (
        children
      ) : (
        <p className="text-sm text-red-700 dark:text-red-400" data-testid="forbidden">
          This page needs the admin role; you are a {p.role}.
        </p>
      )}
    </section>
  );
}
