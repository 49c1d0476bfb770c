/** Finding a service by name: the lookup every use case starts from. */
import type { Db, Prisma } from '../db/client';
import { AppError } from '../errors/app-error';
import { slug } from './schemas';

export async function findServiceOr404(db: Db | Prisma.TransactionClient, name: string) {
  // A name that is no slug names no service (and must not reach PostgreSQL: a NUL byte would be a 500).
  const s = slug.safeParse(name).success ? await db.service.findUnique({ where: { name } }) : null;
  if (!s) throw new AppError('not_found', `service ${name} not found`, { service: name });
  return s;
}
