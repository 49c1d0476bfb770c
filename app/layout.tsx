import type { Metadata, Viewport } from 'next';
import Link from 'next/link';
import './globals.css';
import { Providers } from '@/components/providers';
import { SiteNav } from '@/components/nav';
import { currentUser } from '@/lib/auth/next';
import { FreezeBanner } from '@/components/freeze-banner';

export const metadata: Metadata = {
  title: { default: 'Flightdeck', template: '%s · Flightdeck' },
  description: 'Release control panel: deploy, watch, roll back.',
};

export const viewport: Viewport = { width: 'device-width', initialScale: 1 };

export default async function RootLayout({ children }: { children: React.ReactNode }) {
  const p = await currentUser();
  const me = p ? { actor: p.actor, role: p.role, serviceScope: p.serviceScope } : null;
  return (
    <html lang="en">
      <body className="min-h-screen bg-zinc-50 font-sans text-zinc-900 antialiased dark:bg-zinc-950 dark:text-zinc-100">
        <a href="#main" className="sr-only focus:not-sr-only focus:absolute focus:left-2 focus:top-2 focus:rounded focus:bg-white focus:px-2 focus:py-1 focus:text-zinc-900">
          Skip to content
        </a>
        <header className="sticky top-0 z-10 border-b border-zinc-200 bg-white/95 backdrop-blur dark:border-zinc-800 dark:bg-zinc-950/95">
          <div className="mx-auto flex max-w-7xl flex-wrap items-center gap-x-6 gap-y-2 px-4 py-2 sm:px-6">
            <Link href="/" className="font-semibold tracking-tight">
              ✈ Flightdeck
            </Link>
            <SiteNav who={me ? { actor: me.actor, role: me.role } : null} />
          </div>
          {p && <FreezeBanner />}
        </header>
        <main id="main" className="mx-auto max-w-7xl px-4 py-6 sm:px-6">
          <Providers me={me}>{children}</Providers>
        </main>
      </body>
    </html>
  );
}
