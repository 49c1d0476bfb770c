'use client';

import { io, type Socket } from 'socket.io-client';

let socket: Socket | null = null;

/** One socket.io connection per tab, shared by every live view. Exposed on window for tests that force a disconnect. */
export function getSocket(): Socket {
  if (!socket) {
    socket = io({ transports: ['websocket', 'polling'], withCredentials: true });
    (window as unknown as { __flightdeckSocket?: Socket }).__flightdeckSocket = socket;
  }
  return socket;
}
