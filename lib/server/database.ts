/**
 * Where Flightdeck's data lives: DATABASE_URL when set, otherwise an embedded PostgreSQL
 * with its data in the git-ignored .data/ folder (supervised: restarted if it exits). Migrations
 * are applied either way.
 */
import { chmodSync, chownSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { freePort, postgresIds, startEmbeddedPostgres, withDatabase, type EmbeddedCluster } from '../db/embedded';
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

/**
 * Flightdeck's data folder is its owner's alone: the commands it runs for deployers (as another
 * user, see lib/runtime/run-as.ts) can neither list nor enter it. As root, PostgreSQL's user
 * passes through it to its own folder inside by the group (root:postgres, 0710).
 */
export function protectDataDirectory(dir: string): void {
  mkdirSync(dir, { recursive: true });
  const pgIds = process.getuid?.() === 0 ? postgresIds() : null;
  if (pgIds) chownSync(dir, 0, pgIds.gid);
  chmodSync(dir, pgIds ? 0o710 : 0o700);
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
    // The server handles signals and stops PostgreSQL last, after the application let go of it.
    cluster = await startEmbeddedPostgres({
      dataDir,
      port: portEnv === 'auto' ? await freePort() : Number(portEnv ?? 54329),
      notify: (m) => log(m),
      onSignal: 'caller',
    });
    await ensureDatabase(cluster.url, 'flightdeck');
    url = withDatabase(cluster.url, 'flightdeck');
  }
  protectDataDirectory(dataDirectory());
  const r = await migrate(url);
  log(r.applied.length ? `applied migrations: ${r.applied.join(', ')}` : `database schema up to date (${r.alreadyApplied.length} migrations)`);
  return { url, cluster, dataDir: dataDirectory() };
}
