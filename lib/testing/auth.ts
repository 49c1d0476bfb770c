/**
 * Credentials for tests: an API token written straight to the database (as an admin would
 * create it), and the headers that present it.
 */
import { randomBytes, scrypt } from 'node:crypto';
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

/** A password hash as releases before Argon2id wrote it: scrypt, N=2^15, r=8, p=1. */
export async function legacyScryptHash(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await new Promise<Buffer>((resolve, reject) =>
    scrypt(password, salt, 32, { N: 2 ** 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 }, (e, k) => (e ? reject(e) : resolve(k))),
  );
  return `scrypt$${2 ** 15}$8$1$${salt.toString('base64')}$${key.toString('base64')}`;
}
