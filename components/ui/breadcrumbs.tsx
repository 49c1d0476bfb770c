import Link from 'next/link';
import { Fragment } from 'react';

/** Where this page sits: links to the pages above it, then this page's own name. */
export function Breadcrumbs({ trail, children }: { trail: Array<{ href: string; label: string }>; children: React.ReactNode }) {
  return (
    <nav aria-label="Breadcrumb" className="text-xs text-muted">
      {trail.map((t) => (
        <Fragment key={t.href}>
          <Link href={t.href} className="hover:underline">
            {t.label}
          </Link>{' '}
          /{' '}
        </Fragment>
      ))}
      {children}
    </nav>
  );
}
