'use client';

import { useCallback, useRef } from 'react';
import { useRouter } from 'next/navigation';
import { useOverviewFeed } from './use-overview-feed';

/** Re-renders the server component page when anything is recorded anywhere (debounced), so server-rendered pages stay live. */
export function LiveRefresh({ cursor }: { cursor: number }) {
  const router = useRouter();
  const last = useRef(0);
  const refresh = useCallback(() => {
    const now = Date.now();
    if (now - last.current < 1000) return;
    last.current = now;
    router.refresh();
  }, [router]);
  useOverviewFeed(cursor, refresh);
  return null;
}
