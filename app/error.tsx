'use client';

import { Button } from '@/components/ui/button';

/** Any page that fails to render: a clear message and a retry, never a stack trace. */
export default function PageError({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return (
    <div role="alert" className="space-y-3 rounded-lg border border-red-300 bg-red-50 p-4 text-sm text-red-900 dark:border-red-500/40 dark:bg-red-500/10 dark:text-red-200">
      <p className="font-semibold">This page could not be shown.</p>
      <p>{error.digest ? `The server logged the details (reference ${error.digest}).` : error.message}</p>
      <Button onClick={reset}>Try again</Button>
    </div>
  );
}
