/**
 * Random bearer secrets (session cookies, API tokens). They carry 256 bits of entropy, so a
 * plain SHA-256 is the right stored form: lookups by hash, nothing to brute-force.
 */
import { createHash, randomBytes } from 'node:crypto';

export function newSecret(prefix: string): string {
  return `${prefix}${randomBytes(32).toString('base64url')}`;
}

export function sha256(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

export const TOKEN_PREFIX = 'fdt_';
