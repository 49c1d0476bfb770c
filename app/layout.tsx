import type { Metadata } from 'next';
import './globals.css';
import { Providers } from '@/components/providers';
import { UserMenu } from '@/components/auth/user-menu';

export const metadata: Metadata = {
  title: 'Flightdeck',
  description: 'Release control panel: deploy, watch, roll back.',
};

export default function RootLayout({ children }: { children: React.ReactNode }) {
  return (
    <html lang="en">
      <body className="min-h-screen bg-white font-sans text-zinc-900 antialiased dark:bg-zinc-950 dark:text-zinc-100">
        <header className="flex items-center justify-between border-b border-zinc-200 px-6 py-3 dark:border-zinc-800">
          <span className="font-semibold tracking-tight">Flightdeck</span>
          <UserMenu />
        </header>
        <main className="mx-auto max-w-6xl px-6 py-6">
          <Providers>{children}</Providers>
        </main>
      </body>
    </html>
  );
}
