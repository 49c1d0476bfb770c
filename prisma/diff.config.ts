// Config for Prisma 6.19's CLI, used only to print SQL diffs offline (its JavaScript schema
// engine needs no native binary). Flightdeck itself runs on Prisma 7 with prisma.config.ts.
// Used by lib/db/schema-drift.int.test.ts and when writing a new migration:
//   DATABASE_URL=… npx prisma6 migrate diff --config prisma/diff.config.ts \
//     --from-schema-datamodel <old.prisma> --to-schema-datamodel prisma/schema.prisma --script
import { defineConfig } from 'prisma6/config';

export default defineConfig({
  experimental: { adapter: true },
  engine: 'js',
  schema: 'schema.prisma',
  async adapter() {
    const { PrismaPg } = await import('prisma6-adapter-pg');
    return new PrismaPg({ connectionString: process.env.DATABASE_URL });
  },
});
