'use client';

import { useEffect } from 'react';
import { getSocket } from './socket';

/**
 * Starts after `startCursor` (the global event cursor when the page read its data): the page
 * reads current state over HTTP, the feed only says "something changed".
 * Calls `onChange` whenever any deployment anywhere records an event (debounced to one call per 300 ms).
 */
export function useOverviewFeed(startCursor: number, onChange: () => void) {
  useEffect(() => {
    const socket = getSocket();
    let timer: ReturnType<typeof setTimeout> | null = null;
    let last = startCursor;
    const onEvent = (e: { cursor: number }) => {
      last = Math.max(last, e.cursor);
      if (timer) return;
      timer = setTimeout(() => {
        timer = null;
        onChange();
      }, 300);
    };
    const subscribe = () => socket.emit('subscribe-overview', { afterCursor: last });
    socket.on('overview-event', onEvent);
    socket.on('connect', subscribe);
    if (socket.connected) subscribe();
    return () => {
      socket.off('overview-event', onEvent);
      socket.off('connect', subscribe);
      if (timer) clearTimeout(timer);
    };
  }, [startCursor, onChange]);
}
