/**
 * The SQL that creates schema.prisma's tables from nothing, printed by Prisma 6.19's
 * JavaScript schema engine (Prisma 7's CLI needs a native engine that cannot be installed
 * everywhere). Used by the drift test and when writing a new migration.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '../..');

export function schemaSqlFromPrisma(databaseUrl: string, schemaPath = path.join(ROOT, 'prisma/schema.prisma')): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'fd-schema-'));
  try {
    // Prisma 6 wants the url in the datasource block; Prisma 7 refuses it there.
    const schema = readFileSync(schemaPath, 'utf8').replace(
      /datasource db \{\s*provider\s*=\s*"postgresql"\s*\}/,
      'datasource db {\n  provider = "postgresql"\n  url      = env("DATABASE_URL")\n}',
    );
    const tmpSchema = path.join(dir, 'schema.prisma');
    writeFileSync(tmpSchema, schema);
    const node = process.execPath;
    return execFileSync(
      node,
      [
        path.join(ROOT, 'node_modules/prisma6/build/index.js'),
        'migrate',
        'diff',
        '--config',
        path.join(ROOT, 'prisma/diff.config.ts'),
        '--from-empty',
        '--to-schema-datamodel',
        tmpSchema,
        '--script',
      ],
      {
        cwd: ROOT,
        env: {
          ...process.env,
          DATABASE_URL: databaseUrl,
          // Present-but-unused paths stop the CLI from trying to download engines.
          PRISMA_QUERY_ENGINE_LIBRARY: node,
          PRISMA_SCHEMA_ENGINE_BINARY: node,
          PRISMA_HIDE_UPDATE_MESSAGE: '1',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    ).toString();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
