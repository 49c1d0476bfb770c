'use client';

import { useEffect, useRef, useState } from 'react';
import { getJson } from '../ui/api';
import { getSocket } from './socket';
import type { StoredEvent } from '@/lib/services/context';

/** An event as the API and the socket send it (lib/events' StoredEvent). */
export type TimelineEvent = StoredEvent;

/**
 * A deployment's timeline, in order, live. The database is the source of order: the view keeps
 * the last seq it rendered, drops anything at or below it (duplicates), and on a gap or a
 * reconnect asks the server for `events?after=lastSeq` — the socket only says "something new".
 */
export function useTimeline(deploymentId: string, onEvent?: (e: TimelineEvent) => void) {
  const [events, setEvents] = useState<TimelineEvent[]>([]);
  const [connected, setConnected] = useState(false);
  const [everConnected, setEverConnected] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const lastSeq = useRef(0);
  const onEventRef = useRef(onEvent);
  useEffect(() => {
    onEventRef.current = onEvent;
  }, [onEvent]);

  useEffect(() => {
    let cancelled = false;
    const socket = getSocket();

    const accept = (batch: TimelineEvent[]) => {
      const fresh: TimelineEvent[] = [];
      for (const e of batch.sort((a, b) => a.seq - b.seq)) {
        if (e.deploymentId !== deploymentId || e.seq <= lastSeq.current) continue; // duplicate or not ours
        if (e.seq !== lastSeq.current + 1) break; // a gap: catch up from the database instead
        fresh.push(e);
        lastSeq.current = e.seq;
      }
      if (fresh.length) {
        setEvents((prev) => [...prev, ...fresh]);
        for (const e of fresh) onEventRef.current?.(e);
      }
      return fresh.length;
    };

    let catching: Promise<void> | null = null;
    const catchUp = () => {
      catching ??= (async () => {
        try {
          for (;;) {
            const { events: batch } = await getJson<{ events: TimelineEvent[] }>(`/api/v1/deployments/${deploymentId}/events?after=${lastSeq.current}`);
            if (cancelled) return;
            setError(null);
            if (accept(batch) === 0 || batch.length < 1000) return;
          }
        } catch (e) {
          if (!cancelled) setError((e as Error).message);
        } finally {
          catching = null;
        }
      })();
      return catching;
    };

    const subscribe = () => {
      setConnected(true);
      setEverConnected(true);
      socket.emit('subscribe', { deploymentId, afterSeq: lastSeq.current });
    };
    const onSocketEvent = (e: TimelineEvent) => {
      if (e.deploymentId !== deploymentId || e.seq <= lastSeq.current) return;
      if (e.seq === lastSeq.current + 1) accept([e]);
      else void catchUp();
    };
    const onDisconnect = () => setConnected(false);

    socket.on('connect', subscribe);
    socket.on('disconnect', onDisconnect);
    socket.on('event', onSocketEvent);
    void catchUp().then(() => {
      if (!cancelled && socket.connected) subscribe();
    });
    return () => {
      cancelled = true;
      socket.off('connect', subscribe);
      socket.off('disconnect', onDisconnect);
      socket.off('event', onSocketEvent);
      socket.emit('unsubscribe', { deploymentId });
    };
  }, [deploymentId]);

  return { events, connected, everConnected, error };
}
