import type { Metadata } from 'next';
import Link from 'next/link';

export const metadata: Metadata = { title: 'Not found' };

/** What an unknown service, deployment or release answers (with HTTP 404). */
export default function NotFound() {
  return (
    <div className="mx-auto max-w-xl space-y-3 py-8" data-testid="not-found">
      <p className="text-sm font-medium text-muted">404</p>
      <h1 className="text-2xl font-semibold">Not found</h1>
      <p className="text-sm text-muted">There is no service, deployment or release at this address. It may be mistyped, or it was removed.</p>
      <p className="flex flex-wrap gap-4 text-sm">
        <Link href="/" className="text-sky-700 underline dark:text-sky-300">
          Back to the overview
        </Link>
        <Link href="/changes" className="text-sky-700 underline dark:text-sky-300">
          What changed recently
        </Link>
      </p>
    </div>
  );
}
