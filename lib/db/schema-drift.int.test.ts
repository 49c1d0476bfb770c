import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { createTestDatabase, type TestDatabase } from '../testing/db';
import { migrate, listMigrations } from './migrate';
import { schemaSqlFromPrisma } from './schema-sql';
import { describeSchema, diffSchemas } from './catalog';

describe('schema.prisma and prisma/migrations', () => {
  let fromMigrations: TestDatabase;
  let fromSchema: TestDatabase;

  beforeAll(async () => {
    fromMigrations = await createTestDatabase({ empty: true });
    fromSchema = await createTestDatabase({ empty: true });
  });
  afterAll(async () => {
    await fromMigrations.drop();
    await fromSchema.drop();
  });

  it('the migrations produce exactly the schema that schema.prisma describes', async () => {
    const result = await migrate(fromMigrations.url);
    expect(result.applied).toEqual(listMigrations().map((m) => m.name));

    const sql = schemaSqlFromPrisma(fromSchema.url);
    expect(sql).toContain('CREATE TABLE "deployments"');
    const c = new pg.Client({ connectionString: fromSchema.url });
    await c.connect();
    await c.query(sql);
    await c.end();

    const diff = diffSchemas(await describeSchema(fromMigrations.url), await describeSchema(fromSchema.url));
    expect(diff, 'run `npm run db:diff` and add a migration for the difference').toEqual({ onlyInA: [], onlyInB: [] });
  });

  it('the comparison notices a difference (so the check above can fail)', async () => {
    const c = new pg.Client({ connectionString: fromSchema.url });
    await c.connect();
    await c.query('ALTER TABLE "services" ADD COLUMN "drifted" INTEGER');
    await c.end();
    const diff = diffSchemas(await describeSchema(fromMigrations.url), await describeSchema(fromSchema.url));
    expect(diff.onlyInB.some((l) => l.includes('services.drifted'))).toBe(true);
  });

  it('keeps Prisma-compatible bookkeeping and applies nothing twice', async () => {
    const again = await migrate(fromMigrations.url);
    expect(again.applied).toEqual([]);
    const c = new pg.Client({ connectionString: fromMigrations.url });
    await c.connect();
    const { rows } = await c.query(
      'SELECT migration_name, checksum, finished_at, applied_steps_count FROM "_prisma_migrations" ORDER BY migration_name',
    );
    await c.end();
    expect(rows.map((r) => [r.migration_name, r.checksum, r.applied_steps_count])).toEqual(
      listMigrations().map((m) => [m.name, m.checksum, 1]),
    );
    expect(rows.every((r) => r.finished_at instanceof Date)).toBe(true);
  });
});
