'use client';

import { useEffect, useRef } from 'react';
import type { TimelineEvent } from '../realtime/use-timeline';
import { Badge, type Tone } from '../ui/badge';
import { Clock } from '../ui/time';

function toneOf(type: string): Tone {
  if (/failed|aborted|crash|error|bad/.test(type)) return 'red';
  if (/succeeded|passed|ready|promoted|completed/.test(type)) return 'green';
  if (/inconclusive|paused|requested|revert|rollback/.test(type)) return 'amber';
  if (/analysis/.test(type)) return 'violet';
  return 'zinc';
}

/**
 * The ordered timeline. Rows only ever append (ordered by seq, never re-sorted) inside a
 * fixed-height scroller, so streaming events do not move the rest of the page; it follows
 * the newest event unless the reader has scrolled up.
 */
export function Timeline({ events, connected, everConnected, error }: { events: TimelineEvent[]; connected: boolean; everConnected: boolean; error: string | null }) {
  const box = useRef<HTMLOListElement>(null);
  const stick = useRef(true);
  useEffect(() => {
    const el = box.current;
    if (el && stick.current) el.scrollTop = el.scrollHeight;
  }, [events.length]);
  return (
    <div>
      <div className="mb-2 flex items-center gap-2 text-xs text-zinc-500">
        <span className={`inline-block h-2 w-2 rounded-full ${connected ? 'bg-emerald-500' : 'bg-amber-500'}`} aria-hidden />
        <span data-testid="feed-status">{connected ? 'live' : everConnected ? 'reconnecting…' : 'connecting…'}</span>
        <span>· {events.length} events</span>
        {error && <span className="text-red-600">· catch-up failed: {error}</span>}
      </div>
      <ol
        ref={box}
        onScroll={(e) => {
          const el = e.currentTarget;
          stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < 40;
        }}
        className="h-96 overflow-y-auto rounded border border-zinc-200 font-mono text-xs dark:border-zinc-800"
        data-testid="timeline"
        aria-live="polite"
      >
        {events.map((e) => (
          <li key={e.seq} data-seq={e.seq} data-type={e.type} className="grid grid-cols-[3rem_5.5rem_11rem_1fr] items-start gap-2 border-b border-zinc-100 px-2 py-1 last:border-0 dark:border-zinc-900">
            <span className="text-right tabular-nums text-zinc-400">#{e.seq}</span>
            <span className="text-zinc-500">
              <Clock iso={e.at} />
            </span>
            <span>
              <Badge tone={toneOf(e.type)}>{e.type}</Badge>
            </span>
            <span className="whitespace-pre-wrap break-words font-sans text-[13px]">
              {e.message}
              {e.actor && !e.actor.startsWith('flightdeck') && <span className="text-zinc-500"> — {e.actor}</span>}
            </span>
          </li>
        ))}
      </ol>
    </div>
  );
}
