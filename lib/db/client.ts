/**
 * Prisma 7 over node-postgres (adapter-pg): no engine binary at run time.
 */
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from './generated/client';
import { SerialClient } from './serial-client';

export type Db = PrismaClient;
export { Prisma } from './generated/client';

export function createDb(databaseUrl: string, opts: { max?: number } = {}): Db {
  // SerialClient: one query at a time per connection (Prisma overlaps them inside a transaction).
  // A database that does not answer (restarting, unreachable) fails a call within seconds
  // (a 503 at the API), rather than leaving it waiting for a connection forever.
  const adapter = new PrismaPg({ connectionString: databaseUrl, max: opts.max ?? 10, Client: SerialClient, connectionTimeoutMillis: 5_000 });
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
  if (!g.__flightdeckDb || g.__flightdeckDb.url !== url) g.__flightdeckDb = { url, db: createDb(url) };
  return g.__flightdeckDb.db;
}
