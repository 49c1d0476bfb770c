/**
 * The first admin, on a database with no users: from FLIGHTDECK_ADMIN_EMAIL and
 * FLIGHTDECK_ADMIN_PASSWORD, or admin@localhost with a generated password printed once.
 */
import { randomBytes } from 'node:crypto';
import type { Db } from '../db/client';
import { audit } from './audit';
import { hashPassword } from './password';

export async function ensureFirstAdmin(db: Db, env: Record<string, string | undefined>, log: (m: string) => void): Promise<void> {
  const email = (env.FLIGHTDECK_ADMIN_EMAIL || 'admin@localhost').trim().toLowerCase();
  if ((await db.user.count()) > 0) {
    log(`sign in at /login (users exist already; FLIGHTDECK_ADMIN_* are only read on an empty database)`);
    return;
  }
  const given = env.FLIGHTDECK_ADMIN_PASSWORD;
  const password = given || randomBytes(12).toString('base64url');
  // Two processes starting at once: the unique email lets exactly one of them create it.
  const created = await db.user
    .create({ data: { email, name: 'Administrator', passwordHash: await hashPassword(password), role: 'admin', createdBy: 'system' } })
    .then(() => true)
    .catch(() => false);
  if (!created) return;
  await audit(db, { actor: 'system', action: 'user.create', target: `user:${email}`, outcome: 'ok', status: 201, details: { role: 'admin', firstAdmin: true } });
  if (given) log(`first admin created: sign in at /login as ${email} with FLIGHTDECK_ADMIN_PASSWORD`);
  else log(`first admin created: sign in at /login as ${email} with password ${password}  (shown once; change it under /admin/users)`);
}
