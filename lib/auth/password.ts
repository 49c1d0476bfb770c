/**
 * Password hashing with Argon2id (@node-rs/argon2: a prebuilt native binary, no install
 * script), at or above OWASP's minimum for Argon2id: 19 MiB of memory, 2 passes, 1 lane —
 * about 100 ms per hash on a small machine. Stored in the PHC string form
 * `$argon2id$v=19$m=…,t=…,p=…$<salt>$<hash>`, which carries its own parameters.
 *
 * Hashes written before Argon2id (`scrypt$N$r$p$<salt b64>$<hash b64>`) still verify;
 * `needsRehash` tells sign-in to replace them (and any weaker Argon2 hash) with a current
 * one the next time the right password is presented.
 */
import { randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { hash as argon2Hash, verify as argon2Verify } from '@node-rs/argon2';

export const ARGON2 = { memoryCost: 19 * 1024, timeCost: 2, parallelism: 1 } as const;
/** The package's `Algorithm.Argon2id` (a const enum, which isolated modules cannot read). */
const ARGON2ID = 2;

export async function hashPassword(password: string): Promise<string> {
  return argon2Hash(password, { algorithm: ARGON2ID, ...ARGON2 });
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  if (stored.startsWith('$argon2')) {
    try {
      return await argon2Verify(stored, password);
    } catch {
      return false; // a corrupt stored hash verifies nothing
    }
  }
  if (stored.startsWith('scrypt$')) return verifyScrypt(password, stored);
  return false;
}

/** True when `stored` is not an Argon2id hash with at least today's parameters. */
export function needsRehash(stored: string): boolean {
  const m = /^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$/.exec(stored);
  if (!m) return true;
  const [memory, time, lanes] = [Number(m[1]), Number(m[2]), Number(m[3])];
  return memory < ARGON2.memoryCost || time < ARGON2.timeCost || lanes < ARGON2.parallelism;
}

function scrypt(password: string, salt: Buffer, keylen: number, o: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => scryptCb(password, salt, keylen, o, (err, key) => (err ? reject(err) : resolve(key))));
}

/** The hashes of earlier releases: scrypt with the cost recorded in the hash itself. */
async function verifyScrypt(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6) return false;
  const [n, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  if (![n, r, p].every((x) => Number.isSafeInteger(x) && x > 0) || n > 2 ** 20 || r > 32 || p > 16) return false;
  const salt = Buffer.from(parts[4]!, 'base64');
  const expected = Buffer.from(parts[5]!, 'base64');
  if (expected.length < 16) return false;
  try {
    const key = await scrypt(password, salt, expected.length, { N: n, r, p, maxmem: 256 * n * r + 1024 * 1024 });
    return key.length === expected.length && timingSafeEqual(key, expected);
  } catch {
    return false;
  }
}

/** A hash of nothing anyone knows: verified against when the email is unknown, so that an
 * unknown email costs as much time as a wrong password. */
let dummy: Promise<string> | null = null;
export function dummyHash(): Promise<string> {
  dummy ??= hashPassword(randomBytes(16).toString('hex'));
  return dummy;
}

