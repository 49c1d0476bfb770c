/** What serves a service in an environment now, from its release history. */
import type { Db } from '../db/client';
import type { Tx } from '../events/append';

export async function liveVersionOf(db: Db | Tx, serviceId: string, environmentId: string) {
  const row = await db.releaseHistory.findFirst({ where: { serviceId, environmentId, until: null }, include: { version: true }, orderBy: { from: 'desc' } });
  return row?.version ?? null;
}
