'use client';

import { useEffect, useState } from 'react';
import { getSocket } from './socket';

/** Whether the live feed's socket is connected now (for a "live" / "reconnecting" indicator). */
export function useConnection(): { connected: boolean; everConnected: boolean } {
  const [state, setState] = useState({ connected: false, everConnected: false });
  useEffect(() => {
    const socket = getSocket();
    const up = () => setState({ connected: true, everConnected: true });
    const down = () => setState((s) => ({ ...s, connected: false }));
    socket.on('connect', up);
    socket.on('disconnect', down);
    if (socket.connected) up();
    return () => {
      socket.off('connect', up);
      socket.off('disconnect', down);
    };
  }, []);
  return state;
}

/** The indicator itself: a dot and a word, announced politely when it changes. */
export function FeedStatus({ connected, everConnected, testId = 'feed-status' }: { connected: boolean; everConnected: boolean; testId?: string }) {
  return (
    <span className="inline-flex items-center gap-1.5" role="status">
      <span className={`inline-block h-2 w-2 rounded-full ${connected ? 'bg-emerald-500' : 'bg-amber-500'}`} aria-hidden />
      <span data-testid={testId}>{connected ? 'live' : everConnected ? 'reconnecting…' : 'connecting…'}</span>
    </span>
  );
}
