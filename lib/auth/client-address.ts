/**
 * The client address that sign-in rate limiting and the audit log record. One header carries
 * it from the HTTP server to the route handlers, pages and server actions: X-Forwarded-For.
 * The server overwrites it with the socket's address on every request, so a client cannot
 * choose its own, unless FLIGHTDECK_TRUST_PROXY=1 says a reverse proxy in front sets it.
 */
import type { IncomingMessage } from 'node:http';

const HEADER = 'x-forwarded-for';

/** For the HTTP server, before anything else reads the request. */
export function stampClientAddress(req: IncomingMessage, trustProxy = process.env.FLIGHTDECK_TRUST_PROXY === '1'): void {
  if (!trustProxy) req.headers[HEADER] = req.socket.remoteAddress ?? 'unknown';
}

/**
 * The address of the client (the first entry of X-Forwarded-For: the one the first proxy
 * saw), or, behind a proxy that sets only X-Real-IP, that; null when neither is there.
 */
export function clientAddress(headers: Headers): string | null {
  return headers.get(HEADER)?.split(',')[0]?.trim() || headers.get('x-real-ip') || null;
}
