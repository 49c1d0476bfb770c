'use client';

import { useCallback, useEffect, useRef } from 'react';
import { useRouter } from 'next/navigation';
import { useOverviewFeed } from './use-overview-feed';

/** At most one re-render of the page per this many milliseconds, however busy the feed. */
const EVERY_MS = 3000;

/**
 * Re-renders the server component page when anything is recorded anywhere, so server-rendered
 * pages stay live: at most once per EVERY_MS, and once more after the last event of a burst
 * (nothing recorded is left unshown), so a busy feed does not keep the server re-rendering.
 */
export function LiveRefresh({ cursor }: { cursor: number }) {
  const router = useRouter();
  const last = useRef(0);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const refresh = useCallback(() => {
    if (timer.current) return;
    const wait = Math.max(0, last.current + EVERY_MS - Date.now());
    timer.current = setTimeout(() => {
      timer.current = null;
      last.current = Date.now();
      router.refresh();
    }, wait);
  }, [router]);
  useEffect(
    () => () => {
      if (timer.current) clearTimeout(timer.current);
    },
    [],
  );
  useOverviewFeed(cursor, refresh);
  return null;
}
