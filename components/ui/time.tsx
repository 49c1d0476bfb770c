'use client';

import { useEffect, useState } from 'react';

export function ago(iso: string | null | undefined, now: number): string {
  if (!iso) return '—';
  const s = Math.round((now - Date.parse(iso)) / 1000);
  if (s < 0) return `in ${fmtDuration(-s)}`;
  if (s < 5) return 'just now';
  return `${fmtDuration(s)} ago`;
}

export function fmtDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  return `${Math.floor(s / 86400)}d ${Math.floor((s % 86400) / 3600)}h`;
}

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
