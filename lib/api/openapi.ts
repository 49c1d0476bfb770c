/**
 * The OpenAPI 3.1 document of REST API v1, generated from the very zod schemas that
 * validate the requests (z.toJSONSchema), so the two cannot drift apart.
 */
import { z } from 'zod';
import {
  controlBodySchema,
  createDeploymentSchema,
  createReleaseSchema,
  createServiceSchema,
  createVersionSchema,
  rollbackSchema,
  updateServiceSchema,
} from '../services/schemas';
import { createTokenSchema, createUserSchema, loginSchema, updateUserSchema } from '../auth/schemas';
import type { Role } from '../auth/roles';

const json = (s: z.ZodType) => z.toJSONSchema(s, { io: 'input', unrepresentable: 'any', target: 'draft-2020-12' }) as Record<string, unknown>;

const errorSchema = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message', 'details'],
      properties: {
        code: { type: 'string', enum: ['bad_request', 'unauthorized', 'forbidden', 'not_found', 'conflict', 'stale_lease', 'invalid', 'rate_limited', 'internal'] },
        message: { type: 'string' },
        details: { type: 'object' },
      },
    },
  },
};

interface Op {
  method: 'get' | 'post' | 'patch' | 'delete';
  path: string;
  summary: string;
  role: Role | 'public';
  body?: z.ZodType;
  ok: number;
  query?: Array<{ name: string; schema: Record<string, unknown>; description: string }>;
}

const OPS: Op[] = [
  { method: 'get', path: '/api/v1/services', summary: 'List services with live version and deployment in flight', role: 'viewer', ok: 200 },
  { method: 'post', path: '/api/v1/services', summary: 'Register a service', role: 'admin', body: createServiceSchema, ok: 201 },
  { method: 'get', path: '/api/v1/services/{name}', summary: 'A service, with its router address', role: 'viewer', ok: 200 },
  { method: 'patch', path: '/api/v1/services/{name}', summary: 'Change a service', role: 'admin', body: updateServiceSchema, ok: 200 },
  { method: 'get', path: '/api/v1/services/{name}/versions', summary: 'Versions, newest first', role: 'viewer', ok: 200 },
  { method: 'post', path: '/api/v1/services/{name}/versions', summary: 'Register a version (immutable)', role: 'deployer', body: createVersionSchema, ok: 201 },
  { method: 'post', path: '/api/v1/services/{name}/deployments', summary: 'Deploy a version (202) or preview the plan with dryRun (200)', role: 'deployer', body: createDeploymentSchema, ok: 202 },
  { method: 'post', path: '/api/v1/services/{name}/rollback', summary: 'Roll back to the previous good version', role: 'deployer', body: rollbackSchema, ok: 202 },
  { method: 'get', path: '/api/v1/deployments/{id}', summary: 'A deployment: state, phase, plan, lease', role: 'viewer', ok: 200 },
  {
    method: 'get',
    path: '/api/v1/deployments/{id}/events',
    summary: 'Timeline events in sequence order',
    role: 'viewer',
    ok: 200,
    query: [{ name: 'after', schema: { type: 'integer', minimum: 0 }, description: 'only events with a higher seq' }],
  },
  { method: 'post', path: '/api/v1/deployments/{id}/{action}', summary: 'pause | resume | promote | abort', role: 'deployer', body: controlBodySchema, ok: 200 },
  { method: 'post', path: '/api/v1/releases', summary: 'Deploy several services in dependency order', role: 'deployer', body: createReleaseSchema, ok: 202 },
  { method: 'get', path: '/api/v1/releases/{id}', summary: 'A multi-service release', role: 'viewer', ok: 200 },
  { method: 'post', path: '/api/v1/auth/login', summary: 'Sign in; sets the session cookie. Rate-limited (429)', role: 'public', body: loginSchema, ok: 200 },
  { method: 'post', path: '/api/v1/auth/logout', summary: 'End this session', role: 'viewer', ok: 200 },
  { method: 'get', path: '/api/v1/auth/me', summary: 'Who these credentials belong to', role: 'viewer', ok: 200 },
  { method: 'get', path: '/api/v1/users', summary: 'Users', role: 'admin', ok: 200 },
  { method: 'post', path: '/api/v1/users', summary: 'Create a user', role: 'admin', body: createUserSchema, ok: 201 },
  { method: 'patch', path: '/api/v1/users/{id}', summary: 'Change a user (by id or email): role, scope, password, disabled', role: 'admin', body: updateUserSchema, ok: 200 },
  { method: 'get', path: '/api/v1/tokens', summary: 'API tokens (never the secrets)', role: 'admin', ok: 200 },
  { method: 'post', path: '/api/v1/tokens', summary: 'Create an API token; the answer shows it once', role: 'admin', body: createTokenSchema, ok: 201 },
  { method: 'delete', path: '/api/v1/tokens/{id}', summary: 'Revoke an API token', role: 'admin', ok: 200 },
  {
    method: 'get',
    path: '/api/v1/audit',
    summary: 'Audit log, newest first',
    role: 'admin',
    ok: 200,
    query: [
      { name: 'limit', schema: { type: 'integer', minimum: 1, maximum: 500 }, description: 'default 100' },
      { name: 'before', schema: { type: 'string' }, description: 'entries with a lower id (paging)' },
      { name: 'actor', schema: { type: 'string' }, description: 'only this actor' },
      { name: 'outcome', schema: { type: 'string', enum: ['ok', 'denied', 'unauthenticated', 'rejected', 'rate_limited', 'error'] }, description: 'only this outcome' },
      { name: 'action', schema: { type: 'string' }, description: 'only this action' },
    ],
  },
  { method: 'get', path: '/api/v1/openapi.json', summary: 'This document', role: 'viewer', ok: 200 },
  { method: 'get', path: '/api/v1/deployments/{id}/analysis', summary: 'Canary analysis: series per metric, samples vs minimum, time left, running verdict', role: 'viewer', ok: 200 },
  { method: 'get', path: '/api/v1/services/{name}/error-budget', summary: 'SLO error budget spent and left over 30 days', role: 'viewer', ok: 200 },
  {
    method: 'get',
    path: '/api/v1/services/{name}/instances',
    summary: 'Instances with rotation weight, health and last log lines',
    role: 'viewer',
    ok: 200,
    query: [{ name: 'lines', schema: { type: 'integer', minimum: 0, maximum: 200 }, description: 'log lines per instance, default 5' }],
  },
  { method: 'get', path: '/api/v1/overview', summary: 'Every service: health, traffic, error budget, deployment in flight, rollback target', role: 'viewer', ok: 200 },
  {
    method: 'get',
    path: '/api/v1/changes',
    summary: 'What changed across services, newest first, with traffic around each deployment',
    role: 'viewer',
    ok: 200,
    query: [
      { name: 'service', schema: { type: 'string' }, description: 'only this service' },
      { name: 'limit', schema: { type: 'integer', minimum: 1, maximum: 500 }, description: 'default 100' },
    ],
  },
  { method: 'get', path: '/api/v1/releases', summary: 'Releases, newest first', role: 'viewer', ok: 200 },
  { method: 'post', path: '/api/v1/services/{name}/lease/break', summary: "Take a stuck service's lease from its worker; the next worker resumes the deployment", role: 'admin', ok: 200 },
];

export function openApiDocument() {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of OPS) {
    const params = [...op.path.matchAll(/\{(\w+)\}/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } }));
    const errors: Record<string, unknown> = {};
    for (const [code, what] of [
      ['400', 'malformed body'],
      ...(op.role === 'public' ? [] : [['401', 'no or bad credentials'], ['403', `needs the ${op.role} role (or the service is outside the token's scope)`]]),
      ['404', 'not found'],
      ['409', 'conflict'],
      ['422', 'invalid input, named'],
      ...(op.path.endsWith('/login') ? [['429', 'too many failed sign-ins']] : []),
    ] as const) {
      errors[code] = { description: what, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } };
    }
    (paths[op.path] ??= {})[op.method] = {
      summary: op.summary,
      'x-flightdeck-role': op.role,
      ...(op.role === 'public' ? { security: [] } : {}),
      parameters: [...params, ...(op.query ?? []).map((q) => ({ name: q.name, in: 'query', required: false, schema: q.schema, description: q.description }))],
      ...(op.body ? { requestBody: { required: false, content: { 'application/json': { schema: json(op.body) } } } } : {}),
      responses: { [String(op.ok)]: { description: 'OK', content: { 'application/json': { schema: { type: 'object' } } } }, ...errors },
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Flightdeck REST API',
      version: '1',
      description:
        'Authenticate with `Authorization: Bearer <API token>` (created by an admin) or the session cookie from /api/v1/auth/login. ' +
        'Roles: viewer reads; deployer also registers versions, deploys, releases, pauses, resumes, promotes, aborts and rolls back ' +
        '(optionally only for the services in its scope); admin also manages services, users, tokens and reads the audit log. ' +
        'Errors are {"error":{"code","message","details"}}; request bodies are limited to 1 MiB.',
    },
    servers: [{ url: '/' }],
    security: [{ bearer: [] }, { session: [] }],
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'API token (fdt_…)' },
        session: { type: 'apiKey', in: 'cookie', name: 'fd_session' },
      },
      schemas: { Error: errorSchema },
    },
    paths,
  };
}

export const OPENAPI_OPERATIONS = OPS.map((o) => `${o.method.toUpperCase()} ${o.path}`);
