/**
 * The composition root for the panel's pages and the API's route handlers: the context every
 * use case takes (the process's database pool, the system clock), and the few reads pages need
 * besides the use cases. Pages and routes reach data through here and lib/services only.
 */
import { systemClock } from '../clock';
import { getDb } from '../db/client';
import { getRuntime } from '../runtime/registry';
import type { ServiceContext } from './deployments';

export function serviceContext(): ServiceContext {
  return { db: getDb(), clock: systemClock };
}

/** The runtime that serves this process (null when none is attached). */
export const attachedRuntime = getRuntime;

export { currentCursor } from '../events/read';
export type { StoredEvent } from '../events/append';

/** GET /api/health: whether the database answers, and how fast. */
export async function checkHealth(): Promise<{ status: 'ok' | 'degraded'; database: Record<string, unknown> }> {
  const started = Date.now();
  try {
    const rows = await getDb().$queryRaw<Array<{ version: string }>>`SELECT version() AS version`;
    return { status: 'ok', database: { ok: true, latencyMs: Date.now() - started, server: rows[0]?.version.split(' ').slice(0, 2).join(' ') } };
  } catch (e) {
    return { status: 'degraded', database: { ok: false, error: (e as Error).message } };
  }
}
