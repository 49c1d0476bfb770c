/**
 * Prisma 7 over node-postgres (adapter-pg): no engine binary at run time.
 */
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from './generated/client';
import { SerialClient } from './serial-client';

export type Db = PrismaClient;
export { Prisma } from './generated/client';

/**
 * `idleMs`: how long an unused connection stays open (node-postgres closes it after 10 s by
 * default). A long-running server keeps its connections longer: a fresh connection is a fresh
 * PostgreSQL backend, and its first reads fill its catalog caches — the overview at 500
 * services read 150–200 ms slower on connections opened for it than on warm ones.
 */
export function createDb(databaseUrl: string, opts: { max?: number; idleMs?: number } = {}): Db {
  // SerialClient: one query at a time per connection (Prisma overlaps them inside a transaction).
  // A database that does not answer (restarting, unreachable) fails a call within seconds
  // (a 503 at the API), rather than leaving it waiting for a connection forever.
  const adapter = new PrismaPg({
    connectionString: databaseUrl,
    max: opts.max ?? 10,
    Client: SerialClient,
    connectionTimeoutMillis: 5_000,
    // Idle connections kept longer never keep a process from exiting.
    ...(opts.idleMs !== undefined ? { idleTimeoutMillis: opts.idleMs, allowExitOnIdle: true } : {}),
  });
  return new PrismaClient({ adapter });
}

type Global = typeof globalThis & { __flightdeckDb?: { url: string; db: Db } };

/**
 * The process-wide client for DATABASE_URL. Kept on globalThis because Next.js bundles
 * route handlers separately from the custom server: both must share one pool.
 */
export function getDb(): Db {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('DATABASE_URL is not set (npm start sets it for the embedded PostgreSQL)');
  const g = globalThis as Global;
  if (!g.__flightdeckDb || g.__flightdeckDb.url !== url) g.__flightdeckDb = { url, db: createDb(url, { idleMs: 300_000 }) };
  return g.__flightdeckDb.db;
}
