/**
 * A normalised description of a database's schema (tables, columns, constraints, indexes,
 * enums), for comparing two databases. Used by the drift test.
 */
import pg from 'pg';

export async function describeSchema(url: string): Promise<string[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const lines: string[] = [];
    const cols = await c.query(`
      SELECT table_name, column_name, udt_name, is_nullable, coalesce(column_default, '') AS def,
             coalesce(character_maximum_length::text, '') AS len, coalesce(datetime_precision::text, '') AS prec
      FROM information_schema.columns
      WHERE table_schema = 'public' AND table_name <> '_prisma_migrations'`);
    for (const r of cols.rows) {
      lines.push(`column ${r.table_name}.${r.column_name} ${r.udt_name}(${r.len}${r.prec}) null=${r.is_nullable} default=${r.def}`);
    }
    const cons = await c.query(`
      SELECT conrelid::regclass::text AS tbl, conname, contype, pg_get_constraintdef(oid) AS def
      FROM pg_constraint
      WHERE connamespace = 'public'::regnamespace AND conrelid::regclass::text <> '_prisma_migrations'`);
    for (const r of cons.rows) lines.push(`constraint ${r.tbl}.${r.conname} ${r.contype} ${r.def}`);
    const idx = await c.query(`
      SELECT indexname, indexdef FROM pg_indexes
      WHERE schemaname = 'public' AND tablename <> '_prisma_migrations'`);
    for (const r of idx.rows) lines.push(`index ${r.indexname} ${r.indexdef}`);
    const enums = await c.query(`
      SELECT t.typname, string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder) AS labels
      FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid
      WHERE t.typnamespace = 'public'::regnamespace GROUP BY t.typname`);
    for (const r of enums.rows) lines.push(`enum ${r.typname} ${r.labels}`);
    return lines.sort();
  } finally {
    await c.end();
  }
}

export function diffSchemas(a: string[], b: string[]): { onlyInA: string[]; onlyInB: string[] } {
  const sa = new Set(a);
  const sb = new Set(b);
  return { onlyInA: a.filter((x) => !sb.has(x)), onlyInB: b.filter((x) => !sa.has(x)) };
}
