'use client';

import Link from 'next/link';
import { usePathname } from 'next/navigation';

const LINKS = [
  { href: '/admin/users', label: 'Users' },
  { href: '/admin/tokens', label: 'API tokens' },
  { href: '/admin/environments', label: 'Environments' },
  { href: '/admin/hosts', label: 'Hosts' },
  { href: '/admin/freeze-windows', label: 'Freeze windows' },
  { href: '/admin/audit', label: 'Audit log' },
];

/** The admin pages' own navigation; the page you are on is marked (aria-current and a filled tab). */
export function AdminNav() {
  const path = usePathname();
  return (
    <nav aria-label="Admin" className="flex flex-wrap gap-1 text-sm" data-testid="admin-nav">
      {LINKS.map((l) => {
        const active = path === l.href || path.startsWith(`${l.href}/`);
        return (
          <Link
            key={l.href}
            href={l.href}
            prefetch={false}
            aria-current={active ? 'page' : undefined}
            className={`rounded px-2 py-1 ${active ? 'bg-zinc-900 font-medium text-white dark:bg-zinc-100 dark:text-zinc-900' : 'text-muted hover:bg-zinc-100 dark:hover:bg-zinc-800'}`}
          >
            {l.label}
          </Link>
        );
      })}
    </nav>
  );
}
