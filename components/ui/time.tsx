'use client';

import { useEffect, useState } from 'react';
import { formatDuration } from '@/lib/engine/format';

export function ago(iso: string | null | undefined, now: number): string {
  if (!iso) return '—';
  const s = Math.round((now - Date.parse(iso)) / 1000);
  if (s < 0) return `in ${fmtDuration(-s)}`;
  if (s < 5) return 'just now';
  return `${fmtDuration(s)} ago`;
}

/** The one way the panel writes a duration (the engine's). */
export const fmtDuration = formatDuration;

export function useNow(intervalMs = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(t);
  }, [intervalMs]);
  return now;
}

/** "3m 02s ago", ticking; the exact time on hover. Fixed width so streaming text does not shift layout. */
export function Ago({ iso }: { iso: string | null | undefined }) {
  const now = useNow();
  return (
    <time dateTime={iso ?? undefined} title={iso ? new Date(iso).toLocaleString() : undefined} className="tabular-nums" suppressHydrationWarning>
      {ago(iso, now)}
    </time>
  );
}

export function Clock({ iso }: { iso: string }) {
  return (
    <time dateTime={iso} title={iso} className="tabular-nums" suppressHydrationWarning>
      {new Date(iso).toLocaleTimeString([], { hour12: false })}
    </time>
  );
}

/** How long something has been so since `iso`, ticking: "4m 11s" (for "live for 4m 11s"). */
export function For({ iso }: { iso: string }) {
  const now = useNow();
  return (
    <time dateTime={iso} title={new Date(iso).toLocaleString()} className="tabular-nums" suppressHydrationWarning>
      {fmtDuration((now - Date.parse(iso)) / 1000)}
    </time>
  );
}
