/**
 * Errors are values with codes. Every layer (engine, deploy, API) throws AppError for
 * anything a user can cause; the HTTP layer maps `code` to a status and renders
 * `{"error":{"code","message","details"}}`. Anything else is a bug: logged in full and
 * shown as a generic message.
 */
export type ErrorCode =
  | 'bad_request' // 400: malformed body / query
  | 'unauthorized' // 401
  | 'forbidden' // 403
  | 'not_found' // 404
  | 'method_not_allowed' // 405: the path exists, the method does not (Allow names those that do)
  | 'request_timeout' // 408: the request did not arrive in time
  | 'conflict' // 409: duplicates, lease held, wrong state for the action
  | 'stale_lease' // 409: a write carried a fencing token that is no longer current
  | 'invalid' // 422: well-formed but semantically invalid (semver, cycles, missing config…)
  | 'rate_limited' // 429: too many attempts (sign-in)
  | 'headers_too_large' // 431: request headers over the server's limit
  | 'aborted' // 499: the client closed the connection before its request was complete (nobody reads the answer)
  | 'internal' // 500
  | 'unavailable'; // 503: the database cannot be reached right now; the same call works once it is back

export const STATUS_BY_CODE: Record<ErrorCode, number> = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  request_timeout: 408,
  conflict: 409,
  stale_lease: 409,
  invalid: 422,
  rate_limited: 429,
  headers_too_large: 431,
  aborted: 499,
  internal: 500,
  unavailable: 503,
};

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;
  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = 'AppError';
    this.code = code;
    this.details = details;
  }
  get status(): number {
    return STATUS_BY_CODE[this.code];
  }
}

export function isAppError(e: unknown): e is AppError {
  return e instanceof AppError;
}
