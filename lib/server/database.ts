/**
 * Where Flightdeck's data lives: DATABASE_URL when set, otherwise an embedded PostgreSQL
 * with its data in the git-ignored .data/ folder. Migrations are applied either way.
 */
import path from 'node:path';
import pg from 'pg';
import { freePort, startEmbeddedPostgres, withDatabase, type EmbeddedCluster } from '../db/embedded';
import { migrate } from '../db/migrate';

export const ROOT = path.resolve(import.meta.dirname, '../..');

export async function ensureDatabase(clusterUrl: string, name: string): Promise<void> {
  const c = new pg.Client({ connectionString: clusterUrl });
  await c.connect();
  try {
    const { rowCount } = await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (!rowCount) await c.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`);
  } finally {
    await c.end();
  }
}

/** Flightdeck's own files (embedded PostgreSQL, runtime agent state): FLIGHTDECK_DATA_DIR or .data/. */
export function dataDirectory(): string {
  return path.resolve(process.env.FLIGHTDECK_DATA_DIR || path.join(ROOT, '.data'));
}

export async function prepareDatabase(log: (m: string) => void): Promise<{ url: string; cluster: EmbeddedCluster | null; dataDir: string }> {
  let cluster: EmbeddedCluster | null = null;
  let url = process.env.DATABASE_URL;
  if (!url) {
    // FLIGHTDECK_DATA_DIR moves the data (the end-to-end tests use a throwaway one);
    // FLIGHTDECK_PG_PORT=auto picks a free port.
    const dataDir = path.join(dataDirectory(), 'pg');
    log(`no DATABASE_URL: starting the embedded PostgreSQL (data in ${dataDir})`);
    const portEnv = process.env.FLIGHTDECK_PG_PORT;
    cluster = await startEmbeddedPostgres({ dataDir, port: portEnv === 'auto' ? await freePort() : Number(portEnv ?? 54329) });
    await ensureDatabase(cluster.url, 'flightdeck');
    url = withDatabase(cluster.url, 'flightdeck');
  }
  const r = await migrate(url);
  log(r.applied.length ? `applied migrations: ${r.applied.join(', ')}` : `database schema up to date (${r.alreadyApplied.length} migrations)`);
  return { url, cluster, dataDir: dataDirectory() };
}
