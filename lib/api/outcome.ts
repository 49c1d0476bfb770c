import type { Outcome } from '../auth/audit';

/** How a call ended, for the audit log, from the status and error code it was answered with. */
export function outcomeOf(status: number, code?: string): Outcome {
  if (status < 400) return 'ok';
  if (status === 401) return 'unauthenticated';
  if (status === 403) return 'denied';
  if (status === 429 || code === 'rate_limited') return 'rate_limited';
  if (code === 'aborted') return 'aborted';
  if (status >= 500) return 'error';
  return 'rejected';
}
