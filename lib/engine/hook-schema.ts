/**
 * Hooks and migrations as zod schemas: what a service declares (deploy and rollback hooks) and
 * what a version declares (the schema migrations it applies, each with its down hook when it can
 * be undone). The API validates with them and plans carry the hooks they will run; the type
 * checks below fail to compile when these and the types in types.ts drift apart.
 */
import { z } from 'zod';
import type { Hook, HookPhase, Migration, MigrationDown } from './types';

export const hookSchema = z.discriminatedUnion('type', [
  z.strictObject({
    name: z.string().min(1).max(100),
    type: z.literal('command'),
    command: z.string().min(1),
    args: z.array(z.string()).optional(),
    /** The hook's own environment; it gets nothing of Flightdeck's but PATH and FLIGHTDECK_* facts. */
    env: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name'), z.string()).optional(),
    timeoutSeconds: z.number().int().min(1).max(3600).optional(),
  }),
  z.strictObject({
    name: z.string().min(1).max(100),
    type: z.literal('http'),
    url: z.url(),
    method: z.enum(['GET', 'POST']).optional(),
    timeoutSeconds: z.number().int().min(1).max(3600).optional(),
  }),
]);

export const hooksSchema = z.strictObject({
  pre: z.array(hookSchema).default([]),
  post: z.array(hookSchema).default([]),
  preRollback: z.array(hookSchema).default([]).meta({ description: 'Before a rollback moves anything; a failure never blocks an emergency rollback (it is recorded and alerted).' }),
  postRollback: z.array(hookSchema).default([]).meta({ description: "Once a rollback's traffic is back on the good version; a failure is recorded and alerted." }),
});

export const HOOK_PHASES = ['pre', 'post', 'pre_rollback', 'post_rollback', 'migration_down'] as const satisfies readonly HookPhase[];

export const migrationSchema = z
  .strictObject({
    id: z.string().min(1).max(200),
    reversible: z.boolean(),
    down: hookSchema.optional().meta({ description: 'Undoes the migration; run before traffic moves back to an older version.' }),
  })
  .refine((m) => m.reversible || m.down === undefined, { message: 'an irreversible migration cannot declare a down hook', path: ['down'] })
  .meta({ title: 'Migration' });

export const migrationsSchema = z
  .array(migrationSchema)
  .max(100)
  .refine((ms) => new Set(ms.map((m) => m.id)).size === ms.length, { message: 'migration ids must be unique within a version' });

export const migrationDownSchema = z.strictObject({ version: z.string(), migration: z.string(), hook: hookSchema });

// Compile-time: the schemas and the engine's types describe the same values.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Holds<T extends true> = T;
type _HookSchemaIsHook = Holds<Same<z.output<typeof hookSchema>, Hook>>;
type _MigrationSchemaIsMigration = Holds<Same<z.output<typeof migrationSchema>, Migration>>;
type _MigrationDownSchemaIsMigrationDown = Holds<Same<z.output<typeof migrationDownSchema>, MigrationDown>>;

/** A version's stored migrations, parsed; anything unreadable counts as none declared. */
export function migrationsOf(raw: unknown): Migration[] {
  const r = migrationsSchema.safeParse(raw ?? []);
  return r.success ? r.data : [];
}
