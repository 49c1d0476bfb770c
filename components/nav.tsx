'use client';

import Link from 'next/link';
import { usePathname } from 'next/navigation';
import { useState } from 'react';
import { signOut } from '@/app/login/actions';

const LINKS = [
  { href: '/', label: 'Overview' },
  { href: '/changes', label: 'What changed' },
  { href: '/releases', label: 'Releases' },
  { href: '/approvals', label: 'Approvals' },
  { href: '/insights', label: 'Insights' },
];

type Who = { actor: string; role: string } | null;

function isActive(href: string, path: string): boolean {
  if (href === '/') return path === '/' || path.startsWith('/services') || path.startsWith('/deployments');
  return path === href || path.startsWith(`${href}/`);
}

function links(who: Who) {
  return who?.role === 'admin' ? [...LINKS, { href: '/admin/users', label: 'Admin' }] : LINKS;
}

function NavLinks({ who, path, vertical }: { who: Who; path: string; vertical?: boolean }) {
  return (
    <>
      {links(who).map((l) => {
        const active = l.href === '/admin/users' ? path.startsWith('/admin') : isActive(l.href, path);
        return (
          <Link
            key={l.href}
            href={l.href}
            aria-current={active ? 'page' : undefined}
            className={`rounded px-2 py-1 ${vertical ? 'block py-2' : ''} ${active ? 'bg-zinc-200 font-medium text-zinc-900 dark:bg-zinc-800 dark:text-zinc-100' : 'text-muted hover:bg-zinc-100 dark:hover:bg-zinc-800'}`}
          >
            {l.label}
          </Link>
        );
      })}
    </>
  );
}

function SignOut({ who }: { who: NonNullable<Who> }) {
  return (
    <>
      <span className="text-muted">
        {who.actor} · {who.role}
      </span>
      <form action={signOut}>
        <button type="submit" className="rounded border border-zinc-300 px-2 py-1 dark:border-zinc-700">
          Sign out
        </button>
      </form>
    </>
  );
}

/**
 * The header's navigation. Wide screens: the links in a row, who is signed in and Sign out on
 * the right. Phones: a Menu button that opens the same links as a list (the header never
 * overflows the screen).
 */
export function SiteNav({ who }: { who: Who }) {
  const path = usePathname();
  // The menu is open on the page where it was opened: navigating closes it.
  const [openOn, setOpenOn] = useState<string | null>(null);
  const open = openOn === path;
  if (!who) return null;
  return (
    <>
      <nav aria-label="Main" className="hidden items-center gap-1 text-sm md:flex">
        <NavLinks who={who} path={path} />
      </nav>
      <div className="ml-auto hidden items-center gap-3 text-sm md:flex" data-testid="user-menu">
        <SignOut who={who} />
      </div>
      <button
        type="button"
        className="ml-auto rounded border border-zinc-300 px-3 py-1 text-sm md:hidden dark:border-zinc-700"
        aria-expanded={open}
        aria-controls="mobile-menu"
        onClick={() => setOpenOn(open ? null : path)}
        data-testid="menu-toggle"
      >
        {open ? 'Close' : 'Menu'}
      </button>
      {open && (
        <div id="mobile-menu" className="w-full border-t border-zinc-200 pt-2 text-sm md:hidden dark:border-zinc-800" data-testid="mobile-menu">
          <nav aria-label="Main (phone)" className="flex flex-col">
            <NavLinks who={who} path={path} vertical />
          </nav>
          <div className="mt-2 flex items-center justify-between gap-3 border-t border-zinc-200 pt-2 dark:border-zinc-800">
            <SignOut who={who} />
          </div>
        </div>
      )}
    </>
  );
}
