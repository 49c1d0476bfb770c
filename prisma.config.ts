import { defineConfig } from 'prisma/config';

// Prisma 7 reads the connection from here, not from schema.prisma. `prisma generate` needs
// no database; Flightdeck applies migrations itself (lib/db/migrate.ts).
export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL ?? 'postgresql://localhost:5432/flightdeck' },
});
