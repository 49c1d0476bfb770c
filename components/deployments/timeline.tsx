'use client';

import { useEffect, useRef } from 'react';
import type { TimelineEvent } from '../realtime/use-timeline';
import { Badge, type Tone } from '../ui/badge';
import { Clock } from '../ui/time';
import { FeedStatus } from '../realtime/use-connection';

function toneOf(type: string): Tone {
  if (/failed|aborted|crash|error|bad|rejected/.test(type)) return 'red';
  if (/succeeded|passed|ready|promoted|completed|approved/.test(type)) return 'green';
  if (/inconclusive|paused|requested|revert|rollback|overridden/.test(type)) return 'amber';
  if (/analysis|approval/.test(type)) return 'violet';
  return 'zinc';
}

/**
 * The ordered timeline. Rows only ever append (ordered by seq, never re-sorted) inside a
 * fixed-height scroller, so streaming events do not move the rest of the page; it follows
 * the newest event unless the reader has scrolled up. Each row puts its number, time and type
 * on one line and the message under them at full width, so the message stays readable in a
 * narrow column or on a phone.
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
      <div className="mb-2 flex flex-wrap items-center gap-2 text-xs text-muted">
        <FeedStatus connected={connected} everConnected={everConnected} />
        <span>· {events.length} events</span>
        {error && <span className="text-red-700 dark:text-red-400">· catch-up failed: {error}</span>}
      </div>
      <ol
        ref={box}
        tabIndex={0}
        aria-label="Timeline"
        onScroll={(e) => {
          const el = e.currentTarget;
          stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < 40;
        }}
        className="h-[26rem] overflow-y-auto rounded border border-zinc-200 text-xs dark:border-zinc-800"
        data-testid="timeline"
        aria-live="polite"
      >
        {events.map((e) => (
          <li key={e.seq} data-seq={e.seq} data-type={e.type} className="border-b border-zinc-100 px-2 py-1.5 last:border-0 dark:border-zinc-800">
            <div className="flex flex-wrap items-center gap-x-2 gap-y-0.5 font-mono text-muted">
              <span className="tabular-nums">#{e.seq}</span>
              <Clock iso={e.at} />
              <Badge tone={toneOf(e.type)}>{e.type.replace(/_/g, ' ')}</Badge>
            </div>
            <p className="mt-0.5 whitespace-pre-wrap break-words text-[13px] leading-snug">
              {e.message}
              {e.actor && !e.actor.startsWith('flightdeck') && <span className="text-muted"> — {e.actor}</span>}
            </p>
          </li>
        ))}
      </ol>
    </div>
  );
}
