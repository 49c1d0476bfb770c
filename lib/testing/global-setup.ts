/**
 * Integration tests run against a throwaway PostgreSQL cluster started here, in a temp
 * folder, on a free port — never the user's database. A template database with every
 * migration applied is cloned per test file (see ./db.ts).
 */
import type { TestProject } from 'vitest/node';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { startEmbeddedPostgres, withDatabase } from '../db/embedded';
import { migrate } from '../db/migrate';

export const TEMPLATE_DB = 'fd_template';

declare module 'vitest' {
  export interface ProvidedContext {
    pgUrl: string;
  }
}

export default async function setup(project: TestProject) {
  const dir = mkdtempSync(path.join(tmpdir(), 'flightdeck-test-pg-'));
  const cluster = await startEmbeddedPostgres({ dataDir: path.join(dir, 'data') });
  const admin = new pg.Client({ connectionString: cluster.url });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${TEMPLATE_DB}`);
  await admin.end();
  await migrate(withDatabase(cluster.url, TEMPLATE_DB));
  project.provide('pgUrl', cluster.url);
  return async () => {
    await cluster.stop();
    rmSync(dir, { recursive: true, force: true });
  };
}
