/**
 * A fresh database per test file, cloned from the migrated template of the throwaway
 * cluster (global-setup.ts). Refuses to run against anything but that cluster.
 */
import { inject } from 'vitest';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { withDatabase } from '../db/embedded';
import { createDb, type Db } from '../db/client';

export interface TestDatabase {
  url: string;
  name: string;
  db: Db;
  drop(): Promise<void>;
}

export function clusterUrl(): string {
  const url = inject('pgUrl');
  if (!url || !new URL(url).hostname.match(/^(127\.0\.0\.1|localhost)$/)) {
    throw new Error(`refusing to run integration tests against ${url}: only the throwaway local cluster`);
  }
  return url;
}

export async function createTestDatabase(opts: { empty?: boolean } = {}): Promise<TestDatabase> {
  const base = clusterUrl();
  const name = `fd_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  try {
    await admin.query(opts.empty ? `CREATE DATABASE ${name}` : `CREATE DATABASE ${name} TEMPLATE fd_template`);
  } finally {
    await admin.end();
  }
  const url = withDatabase(base, name);
  const db = createDb(url);
  return {
    url,
    name,
    db,
    async drop() {
      await db.$disconnect();
      const a = new pg.Client({ connectionString: base });
      await a.connect();
      try {
        await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await a.end();
      }
    },
  };
}
