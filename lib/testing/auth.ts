/**
 * Credentials for tests: an API token written straight to the database (as an admin would
 * create it), and the headers that present it.
 */
import { randomBytes } from 'node:crypto';
import type { Db } from '../db/client';
import type { Role } from '../auth/roles';
import { createApiToken } from '../auth/users';

export async function createTestToken(db: Db, role: Role = 'admin', opts: { name?: string; serviceScope?: string[] } = {}): Promise<string> {
  const t = await createApiToken(db, { name: opts.name ?? `test-${role}-${randomBytes(3).toString('hex')}`, role, serviceScope: opts.serviceScope ?? [] }, 'test-setup');
  return t.token;
}

export function bearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}
