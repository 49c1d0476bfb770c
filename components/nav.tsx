'use client';

import Link from 'next/link';
import { usePathname } from 'next/navigation';

const LINKS = [
  { href: '/', label: 'Overview' },
  { href: '/changes', label: 'What changed' },
  { href: '/releases', label: 'Releases' },
  { href: '/approvals', label: 'Approvals' },
];

export function Nav({ extra = [] }: { extra?: Array<{ href: string; label: string }> }) {
  const path = usePathname();
  return (
    <nav aria-label="Main" className="flex items-center gap-1 text-sm">
      {[...LINKS, ...extra].map((l) => {
        const active = l.href === '/' ? path === '/' || path.startsWith('/services') || path.startsWith('/deployments') : path.startsWith(l.href);
        return (
          <Link
            key={l.href}
            href={l.href}
            aria-current={active ? 'page' : undefined}
            className={`rounded px-2 py-1 ${active ? 'bg-zinc-200 font-medium dark:bg-zinc-800' : 'text-zinc-600 hover:bg-zinc-100 dark:text-zinc-400 dark:hover:bg-zinc-800'}`}
          >
            {l.label}
          </Link>
        );
      })}
    </nav>
  );
}
