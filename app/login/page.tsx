import type { Metadata } from 'next';
import { redirect } from 'next/navigation';
import { currentUser } from '@/lib/auth/next';
import { LoginForm } from './login-form';

export const metadata: Metadata = { title: 'Sign in' };

export const dynamic = 'force-dynamic';

export default async function LoginPage({ searchParams }: { searchParams: Promise<{ next?: string }> }) {
  const { next } = await searchParams;
  if (await currentUser()) redirect(next && next.startsWith('/') && !next.startsWith('//') ? next : '/');
  return (
    <section className="mx-auto mt-12 max-w-sm">
      <h1 className="mb-6 text-xl font-semibold">Sign in</h1>
      <LoginForm next={next ?? '/'} />
      <p className="mt-6 text-xs text-muted">
        First start: the admin&apos;s email and password are in the server log (or FLIGHTDECK_ADMIN_EMAIL / FLIGHTDECK_ADMIN_PASSWORD).
      </p>
    </section>
  );
}
