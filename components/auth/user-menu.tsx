import Link from 'next/link';
import { currentUser } from '@/lib/auth/next';
import { signOut } from '@/app/login/actions';

/** Who is signed in, admin links for admins, and sign-out. For the layout's header. */
export async function UserMenu() {
  const p = await currentUser();
  if (!p) return null;
  return (
    <div className="flex items-center gap-4 text-sm" data-testid="user-menu">
      {p.role === 'admin' ? (
        <nav className="flex gap-3 text-zinc-600 dark:text-zinc-400">
          <Link href="/admin/users">Users</Link>
          <Link href="/admin/tokens">Tokens</Link>
          <Link href="/admin/audit">Audit</Link>
        </nav>
      ) : null}
      <span className="text-zinc-500">
        {p.actor} · {p.role}
      </span>
      <form action={signOut}>
        <button type="submit" className="rounded border border-zinc-300 px-2 py-1 dark:border-zinc-700">
          Sign out
        </button>
      </form>
    </div>
  );
}
