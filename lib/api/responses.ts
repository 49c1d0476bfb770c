/**
 * Response bodies of the routes outside the service layer (sign-in, users, tokens, audit,
 * health) as zod schemas, beside lib/services/responses.ts. Strict objects, parsed against
 * real answers in the tests.
 */
import { z } from 'zod';
import { ROLES } from '../auth/roles';
import { OUTCOMES } from '../auth/audit';

const timestamp = z.iso.datetime({ offset: true });
const uuid = z.uuid();
const role = z.enum(ROLES);

export const userSchema = z
  .strictObject({
    id: uuid,
    email: z.string(),
    name: z.string(),
    role,
    serviceScope: z.array(z.string()).meta({ description: 'Deployers only: the services they may act on; empty = every service.' }),
    disabled: z.boolean(),
    createdBy: z.string(),
    createdAt: timestamp,
    lastLoginAt: timestamp.nullable(),
  })
  .meta({ title: 'User' });

const tokenFields = {
  id: uuid,
  name: z.string(),
  prefix: z.string().meta({ description: 'The first characters of the token, to recognise it in a list.' }),
  role,
  serviceScope: z.array(z.string()),
  createdBy: z.string(),
  createdAt: timestamp,
  expiresAt: timestamp.nullable(),
  lastUsedAt: timestamp.nullable(),
  revokedAt: timestamp.nullable(),
  revokedBy: z.string().nullable(),
};
export const tokenSchema = z.strictObject(tokenFields).meta({ title: 'API token', description: 'Never the secret itself.' });
export const createdTokenSchema = z
  .strictObject({ ...tokenFields, token: z.string().meta({ description: 'The secret, shown this once; only its hash is kept.' }) })
  .meta({ title: 'New API token' });

export const auditEntrySchema = z
  .strictObject({
    id: z.string().meta({ description: 'Increasing; page with ?before=.' }),
    at: timestamp,
    actor: z.string(),
    action: z.string(),
    target: z.string(),
    outcome: z.enum(OUTCOMES),
    status: z.number().int(),
    ip: z.string().nullable(),
    details: z.record(z.string(), z.unknown()),
  })
  .meta({ title: 'Audit entry' });

export const principalSchema = z
  .strictObject({ kind: z.enum(['user', 'token']), id: uuid, actor: z.string(), role, serviceScope: z.array(z.string()) })
  .meta({ title: 'Who is asking' });

export const loginResponseSchema = z
  .strictObject({ user: z.strictObject({ id: uuid, email: z.string(), name: z.string(), role, serviceScope: z.array(z.string()) }), expiresAt: timestamp })
  .meta({ description: 'The session cookie comes in Set-Cookie.' });

export const logoutResponseSchema = z.strictObject({ ok: z.literal(true) });

export const healthResponseSchema = z
  .union([
    z.strictObject({ status: z.literal('ok'), database: z.strictObject({ ok: z.literal(true), latencyMs: z.number(), server: z.string().optional() }) }),
    z.strictObject({ status: z.literal('degraded'), database: z.strictObject({ ok: z.literal(false), error: z.string() }) }).meta({ description: 'Answered with 503.' }),
  ])
  .meta({ title: 'Health' });

export const openApiResponseSchema = z.looseObject({ openapi: z.string(), info: z.looseObject({}), paths: z.record(z.string(), z.unknown()) }).meta({ title: 'OpenAPI document' });
