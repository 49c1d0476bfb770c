/**
 * `npm run db:diff`: print the SQL that creates schema.prisma from nothing. Compare it with
 * prisma/migrations to write the next migration. Needs a reachable PostgreSQL for Prisma's
 * JS schema engine: DATABASE_URL, or a throwaway embedded one started here.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startEmbeddedPostgres } from './embedded';
import { schemaSqlFromPrisma } from './schema-sql';

let url = process.env.DATABASE_URL;
let stop: (() => Promise<void>) | null = null;
const dir = mkdtempSync(path.join(tmpdir(), 'fd-diff-'));
if (!url) {
  const c = await startEmbeddedPostgres({ dataDir: path.join(dir, 'data') });
  url = c.url;
  stop = c.stop;
}
try {
  process.stdout.write(schemaSqlFromPrisma(url));
} finally {
  await stop?.();
  rmSync(dir, { recursive: true, force: true });
}
