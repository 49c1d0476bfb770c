/**
 * The database going away is not a bug in the request: while PostgreSQL restarts or cannot be
 * reached, a call fails with `unavailable` (503) and works again once it is back. This is the
 * one place that recognises such failures, whichever layer raised them: Prisma's own codes, the
 * driver adapter's error kinds, PostgreSQL's SQLSTATEs and node-postgres / socket errors.
 */
import { AppError, isAppError } from './app-error';

/** Prisma: server unreachable, timed out, connection closed, no pool connection in time. */
const PRISMA_CODES = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024']);
/** The driver adapter's names for the same conditions. */
const ADAPTER_KINDS = new Set(['DatabaseNotReachable', 'ConnectionClosed', 'SocketTimeout', 'TooManyConnections']);
/** Sockets that could not be opened or were cut. */
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ECONNABORTED', 'ENOTCONN']);
/**
 * SQLSTATE class 08 (connection exception), 57P01-57P03 (the server shutting down, crashed,
 * or still starting up) and 53300 (too many connections).
 */
const SQLSTATE = /^(08[0-9A-Z]{3}|57P0[123]|53300)$/;
/** node-postgres reports a cut connection in words only. */
const MESSAGES = /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|the database system is (starting up|shutting down|in recovery mode)/i;

function looksUnreachable(e: unknown, depth: number): boolean {
  if (depth > 6 || e === null || typeof e !== 'object') return false;
  const x = e as { code?: unknown; kind?: unknown; message?: unknown; cause?: unknown; meta?: { driverAdapterError?: unknown }; errors?: unknown };
  if (typeof x.code === 'string' && (PRISMA_CODES.has(x.code) || SOCKET_CODES.has(x.code) || SQLSTATE.test(x.code))) return true;
  if (typeof x.kind === 'string' && ADAPTER_KINDS.has(x.kind)) return true;
  if (typeof x.message === 'string' && MESSAGES.test(x.message) && !isAppError(e)) return true;
  if (looksUnreachable(x.cause, depth + 1) || looksUnreachable(x.meta?.driverAdapterError, depth + 1)) return true;
  // AggregateError (a connection attempt to several addresses).
  return Array.isArray(x.errors) && x.errors.some((inner) => looksUnreachable(inner, depth + 1));
}

/** Whether `e` says the database could not be reached (rather than refusing this one request). */
export function isDatabaseUnavailable(e: unknown): boolean {
  if (isAppError(e)) return e.code === 'unavailable';
  return looksUnreachable(e, 0);
}

/** The `unavailable` AppError for a database failure, or null when `e` is something else. */
export function databaseUnavailable(e: unknown): AppError | null {
  if (isAppError(e)) return e.code === 'unavailable' ? e : null;
  if (!looksUnreachable(e, 0)) return null;
  return new AppError('unavailable', 'the database is unavailable right now; try again in a few seconds', { retryAfterSeconds: 5 });
}
