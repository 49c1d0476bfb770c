/** Which services a request acts on, for per-service deployer scopes. */
import type { Db } from '../db/client';
import { AppError } from '../errors/app-error';
import { isUuid } from '../services/validate';
import { readJson } from '../api/body';

export async function serviceOfDeployment(db: Db, id: string): Promise<string[]> {
  const d = isUuid(id) ? await db.deployment.findUnique({ where: { id }, select: { service: { select: { name: true } } } }) : null;
  if (!d) throw new AppError('not_found', `deployment ${id} not found`, { id });
  return [d.service.name];
}

/**
 * The services named by a release body's items, for the scope check. The body is read
 * through the same limited, read-once parser the route uses: a body over the size limit or
 * malformed is refused here, before the scope decision, and is never read twice.
 */
export async function servicesOfReleaseBody(req: Request): Promise<string[]> {
  const body = (await readJson(req)) as { items?: Array<{ service?: unknown }> } | null;
  return Array.isArray(body?.items) ? body.items.map((i) => String(i?.service ?? '')) : [];
}

/** The services a release moved (its rollback acts on every one of them). */
export async function servicesOfRelease(db: Db, id: string): Promise<string[]> {
  const r = isUuid(id) ? await db.release.findUnique({ where: { id }, select: { items: { select: { service: { select: { name: true } } } } } }) : null;
  if (!r) throw new AppError('not_found', `release ${id} not found`, { id });
  return r.items.map((i) => i.service.name);
}
