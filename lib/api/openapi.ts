/**
 * The OpenAPI 3.1 document of REST API v1, generated from the very zod schemas that
 * validate the requests and describe the answers (z.toJSONSchema), so the document cannot
 * drift from the code: requests are parsed with the body schemas, and the tests parse real
 * answers with the response schemas listed here.
 */
import { z } from 'zod';
import { analysisConfigSchema, appliedAnalysisConfigSchema, planSchema, stepSchema, strategyParamsSchemas } from '../engine';
import {
  controlBodySchema,
  createDeploymentSchema,
  createReleaseSchema,
  createServiceSchema,
  createVersionSchema,
  documentedAs,
  releaseRollbackSchema,
  rollbackSchema,
  updateServiceSchema,
} from '../services/schemas';
import {
  analysisSchema,
  deploymentSchema,
  dryRunSchema,
  errorBudgetSchema,
  eventSchema,
  gateSchema,
  leaseSchema,
  previewSchema,
  releaseRollbackResultSchema,
  releaseSchema,
  rollbackResultSchema,
  serviceDetailSchema,
  serviceListItemSchema,
  serviceSchema,
  versionSchema,
} from '../services/responses';
import { changeSchema, instancesSchema, leaseBreakSchema, overviewSchema } from '../services/responses-panel';
import { insightsSchema } from '../services/responses-insights';
import {
  approvalsSchema,
  environmentDetailSchema,
  environmentListSchema,
  environmentSchema,
  freezeDeletedSchema,
  freezeListSchema,
  freezeWindowSchema,
  promoteResultSchema,
} from '../services/environment-responses';
import { hostListSchema, hostSchema } from '../services/host-responses';
import { registerHostSchema, updateHostSchema } from '../services/host-schemas';
import { createEnvironmentSchema, createFreezeWindowSchema, decisionSchema, promoteSchema, updateEnvironmentSchema } from '../services/environment-schemas';
import { createSubscriptionSchema, deliverySchema, rollbackWindowSchema, subscriptionSchema } from '../services/notification-schemas';
import { createTokenSchema, createUserSchema, loginSchema, updateUserSchema } from '../auth/schemas';
import type { Role } from '../auth/roles';
import { STATUS_BY_CODE } from '../errors/app-error';
import { OUTCOMES } from '../auth/audit';
import {
  auditEntrySchema,
  createdTokenSchema,
  healthResponseSchema,
  loginResponseSchema,
  logoutResponseSchema,
  openApiResponseSchema,
  principalSchema,
  tokenSchema,
  userSchema,
} from './responses';

/** Schemas shown once under components.schemas and referenced wherever they occur. */
const COMPONENTS: Array<[string, z.ZodType]> = [
  ['RollingParams', strategyParamsSchemas.rolling],
  ['BlueGreenParams', strategyParamsSchemas['blue-green']],
  ['CanaryParams', strategyParamsSchemas.canary],
  ['RecreateParams', strategyParamsSchemas.recreate],
  ['AnalysisConfig', analysisConfigSchema],
  ['AppliedAnalysisConfig', appliedAnalysisConfigSchema],
  ['PlanStep', stepSchema],
  ['Plan', planSchema],
  ['Preview', previewSchema],
  ['Lease', leaseSchema],
  ['Version', versionSchema],
  ['Service', serviceSchema],
  ['Deployment', deploymentSchema],
  ['Event', eventSchema],
  ['Release', releaseSchema],
  ['Change', changeSchema],
  ['Gate', gateSchema],
  ['Environment', environmentSchema],
  ['Host', hostSchema],
  ['FreezeWindow', freezeWindowSchema],
  ['User', userSchema],
  ['ApiToken', tokenSchema],
  ['AuditEntry', auditEntrySchema],
];
const COMPONENT_NAMES = new Map<object, string>(COMPONENTS.map(([name, schema]) => [schema, name]));

/** JSON Schema of a zod schema, with components as references and documented-as schemas swapped in. */
function json(schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  const out = z.toJSONSchema(schema, {
    io,
    unrepresentable: 'any',
    target: 'draft-2020-12',
    override: (ctx) => {
      const name = COMPONENT_NAMES.get(ctx.zodSchema);
      const as = documentedAs.get(ctx.zodSchema);
      if ((!name || ctx.path.length === 0) && !as) return;
      const replacement = name && ctx.path.length > 0 ? { $ref: `#/components/schemas/${name}` } : json(as!, io);
      for (const key of Object.keys(ctx.jsonSchema)) delete (ctx.jsonSchema as Record<string, unknown>)[key];
      Object.assign(ctx.jsonSchema, replacement);
    },
  }) as Record<string, unknown>;
  delete out.$schema;
  return out;
}

const errorSchema = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message', 'details'],
      properties: {
        code: { type: 'string', enum: Object.keys(STATUS_BY_CODE) },
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
  /** The body of the `ok` answer. */
  response: z.ZodType;
  /** Other successful answers, e.g. the 200 of a dry run. */
  also?: Array<{ status: number; description: string; response: z.ZodType }>;
  query?: Array<{ name: string; schema: Record<string, unknown>; description: string }>;
}

const ENV = { name: 'environment', schema: { type: 'string' }, description: 'the environment (default: the first)' };

const list = <K extends string>(key: K, item: z.ZodType) => z.strictObject({ [key]: z.array(item) } as Record<K, z.ZodArray<z.ZodType>>);

const OPS: Op[] = [
  { method: 'get', path: '/api/v1/services', summary: 'List services with live version and deployment in flight, per environment', role: 'viewer', ok: 200, response: list('services', serviceListItemSchema), query: [ENV] },
  { method: 'post', path: '/api/v1/services', summary: 'Register a service', role: 'admin', body: createServiceSchema, ok: 201, response: serviceSchema },
  { method: 'get', path: '/api/v1/services/{name}', summary: 'A service in one environment, with its router address', role: 'viewer', ok: 200, response: serviceDetailSchema, query: [ENV] },
  { method: 'patch', path: '/api/v1/services/{name}', summary: 'Change a service', role: 'admin', body: updateServiceSchema, ok: 200, response: serviceSchema },
  { method: 'get', path: '/api/v1/services/{name}/versions', summary: 'Versions, newest first', role: 'viewer', ok: 200, response: list('versions', versionSchema) },
  { method: 'post', path: '/api/v1/services/{name}/versions', summary: 'Register a version (immutable)', role: 'deployer', body: createVersionSchema, ok: 201, response: versionSchema },
  { method: 'post', path: '/api/v1/services/{name}/deployments', summary: 'Deploy a version (202) or preview the plan with dryRun (200)', role: 'deployer', body: createDeploymentSchema, ok: 202, response: deploymentSchema, also: [{ status: 200, description: 'dryRun: the plan preview and preflight', response: dryRunSchema }] },
  { method: 'post', path: '/api/v1/services/{name}/rollback', summary: 'Roll back to the previous good version', role: 'deployer', body: rollbackSchema, ok: 202, response: rollbackResultSchema, also: [{ status: 200, description: 'dryRun: where traffic would return', response: rollbackResultSchema }] },
  { method: 'get', path: '/api/v1/deployments/{id}', summary: 'A deployment: state, phase, plan, lease', role: 'viewer', ok: 200, response: deploymentSchema },
  {
    method: 'get',
    path: '/api/v1/deployments/{id}/events',
    summary: 'Timeline events in sequence order',
    role: 'viewer',
    ok: 200,
    response: list('events', eventSchema),
    query: [{ name: 'after', schema: { type: 'integer', minimum: 0 }, description: 'only events with a higher seq' }],
  },
  { method: 'post', path: '/api/v1/deployments/{id}/{action}', summary: 'pause | resume | promote | abort', role: 'deployer', body: controlBodySchema, ok: 200, response: deploymentSchema },
  { method: 'post', path: '/api/v1/releases', summary: 'Deploy several services in dependency order', role: 'deployer', body: createReleaseSchema, ok: 202, response: releaseSchema },
  { method: 'get', path: '/api/v1/releases/{id}', summary: 'A multi-service release', role: 'viewer', ok: 200, response: releaseSchema },
  { method: 'post', path: '/api/v1/auth/login', summary: 'Sign in; sets the session cookie. Rate-limited (429)', role: 'public', body: loginSchema, ok: 200, response: loginResponseSchema },
  { method: 'post', path: '/api/v1/auth/logout', summary: 'End this session', role: 'viewer', ok: 200, response: logoutResponseSchema },
  { method: 'get', path: '/api/v1/auth/me', summary: 'Who these credentials belong to', role: 'viewer', ok: 200, response: principalSchema },
  { method: 'get', path: '/api/v1/users', summary: 'Users', role: 'admin', ok: 200, response: list('users', userSchema) },
  { method: 'post', path: '/api/v1/users', summary: 'Create a user', role: 'admin', body: createUserSchema, ok: 201, response: userSchema },
  { method: 'patch', path: '/api/v1/users/{id}', summary: 'Change a user (by id or email): role, scope, password, disabled', role: 'admin', body: updateUserSchema, ok: 200, response: userSchema },
  { method: 'get', path: '/api/v1/tokens', summary: 'API tokens (never the secrets)', role: 'admin', ok: 200, response: list('tokens', tokenSchema) },
  { method: 'post', path: '/api/v1/tokens', summary: 'Create an API token; the answer shows it once', role: 'admin', body: createTokenSchema, ok: 201, response: createdTokenSchema },
  { method: 'delete', path: '/api/v1/tokens/{id}', summary: 'Revoke an API token', role: 'admin', ok: 200, response: tokenSchema },
  {
    method: 'get',
    path: '/api/v1/audit',
    summary: 'Audit log, newest first',
    role: 'admin',
    ok: 200,
    response: list('entries', auditEntrySchema),
    query: [
      { name: 'limit', schema: { type: 'integer', minimum: 1, maximum: 500 }, description: 'default 100' },
      { name: 'before', schema: { type: 'string' }, description: 'entries with a lower id (paging)' },
      { name: 'actor', schema: { type: 'string' }, description: 'only this actor' },
      { name: 'outcome', schema: { type: 'string', enum: [...OUTCOMES] }, description: 'only this outcome' },
      { name: 'action', schema: { type: 'string' }, description: 'only this action' },
    ],
  },
  { method: 'get', path: '/api/v1/openapi.json', summary: 'This document', role: 'viewer', ok: 200, response: openApiResponseSchema },
  { method: 'get', path: '/api/v1/deployments/{id}/analysis', summary: 'Canary analysis: series per metric, samples vs minimum, time left, running verdict', role: 'viewer', ok: 200, response: analysisSchema },
  { method: 'get', path: '/api/v1/services/{name}/error-budget', summary: 'SLO error budget spent and left over 30 days, in one environment', role: 'viewer', ok: 200, response: errorBudgetSchema, query: [ENV] },
  {
    method: 'get',
    path: '/api/v1/services/{name}/instances',
    summary: 'Instances with rotation weight, health and last log lines',
    role: 'viewer',
    ok: 200,
    response: instancesSchema,
    query: [{ name: 'lines', schema: { type: 'integer', minimum: 0, maximum: 200 }, description: 'log lines per instance, default 5' }, ENV],
  },
  { method: 'get', path: '/api/v1/overview', summary: 'Every service: health, traffic, error budget, deployment in flight, rollback target', role: 'viewer', ok: 200, response: overviewSchema },
  {
    method: 'get',
    path: '/api/v1/changes',
    summary: 'What changed across services, newest first, with traffic around each deployment',
    role: 'viewer',
    ok: 200,
    response: list('changes', changeSchema),
    query: [
      { name: 'service', schema: { type: 'string' }, description: 'only this service' },
      { name: 'environment', schema: { type: 'string' }, description: 'only deployments in this environment' },
      { name: 'limit', schema: { type: 'integer', minimum: 1, maximum: 500 }, description: 'default 100' },
    ],
  },
  {
    method: 'get',
    path: '/api/v1/insights',
    summary: 'DORA figures per service and overall: deployment frequency, lead time, change failure rate, time to restore, each with a trend',
    role: 'viewer',
    ok: 200,
    response: insightsSchema,
    query: [
      { name: 'service', schema: { type: 'string' }, description: 'only this service' },
      { name: 'environment', schema: { type: 'string' }, description: 'the environment (default: the last by order, the one closest to users)' },
      { name: 'days', schema: { type: 'integer', enum: [7, 30, 90] }, description: 'the window, default 30' },
    ],
  },
  { method: 'get', path: '/api/v1/releases', summary: 'Releases, newest first', role: 'viewer', ok: 200, response: list('releases', releaseSchema) },
  { method: 'post', path: '/api/v1/services/{name}/lease/break', summary: "Take a stuck service's lease from its worker; the next worker resumes the deployment", role: 'admin', ok: 200, response: leaseBreakSchema },
  { method: 'get', path: '/api/v1/environments', summary: 'Environments in order; the first is where calls naming none go', role: 'viewer', ok: 200, response: environmentListSchema },
  { method: 'post', path: '/api/v1/environments', summary: 'Create an environment (a duplicate order is 422, a duplicate name 409)', role: 'admin', body: createEnvironmentSchema, ok: 201, response: environmentSchema },
  { method: 'get', path: '/api/v1/environments/{name}', summary: 'An environment, with the ones before and after it', role: 'viewer', ok: 200, response: environmentDetailSchema },
  { method: 'get', path: '/api/v1/hosts', summary: "The fleet's hosts with their state from the heartbeats (ready, unreachable, draining)", role: 'viewer', ok: 200, response: hostListSchema },
  { method: 'post', path: '/api/v1/hosts', summary: "Register a host's agent by address and token, with labels (pool=…); a token the agent refuses is 422", role: 'admin', body: registerHostSchema, ok: 201, response: hostSchema },
  { method: 'get', path: '/api/v1/hosts/{name}', summary: 'One host', role: 'viewer', ok: 200, response: hostSchema },
  { method: 'patch', path: '/api/v1/hosts/{name}', summary: "Drain a host, change its labels or capacity, or its agent's address, token or certificate", role: 'admin', body: updateHostSchema, ok: 200, response: hostSchema },
  { method: 'patch', path: '/api/v1/environments/{name}', summary: 'Change order, protection, approvals, soak, promotion strategy, runtime settings', role: 'admin', body: updateEnvironmentSchema, ok: 200, response: environmentSchema },
  { method: 'get', path: '/api/v1/freeze-windows', summary: 'Freeze windows, and the frozen periods of the next 14 days (overlaps merged)', role: 'viewer', ok: 200, response: freezeListSchema },
  { method: 'post', path: '/api/v1/freeze-windows', summary: 'Add a one-off or recurring (cron) freeze window; rollbacks are never frozen', role: 'admin', body: createFreezeWindowSchema, ok: 201, response: freezeWindowSchema },
  { method: 'delete', path: '/api/v1/freeze-windows/{id}', summary: 'Delete a freeze window', role: 'admin', ok: 200, response: freezeDeletedSchema },
  { method: 'post', path: '/api/v1/services/{name}/promote', summary: 'Promote a version to the next environment, with the strategy configured there', role: 'deployer', body: promoteSchema, ok: 202, response: promoteResultSchema, also: [{ status: 200, description: 'dryRun: the plan and gates', response: promoteResultSchema }] },
  { method: 'post', path: '/api/v1/deployments/{id}/approve', summary: 'Approve a deployment waiting for approval (approvers, never its requester)', role: 'approver', body: decisionSchema, ok: 200, response: deploymentSchema },
  { method: 'post', path: '/api/v1/deployments/{id}/reject', summary: 'Reject a deployment waiting for approval: it ends', role: 'approver', body: decisionSchema, ok: 200, response: deploymentSchema },
  { method: 'get', path: '/api/v1/approvals', summary: 'The approvals inbox: deployments waiting for approval, and whether the caller may decide', role: 'viewer', ok: 200, response: approvalsSchema },
  { method: 'get', path: '/api/health', summary: 'Liveness and the database (503 when it is unreachable)', role: 'public', ok: 200, response: healthResponseSchema },
  {
    method: 'post',
    path: '/api/v1/releases/{id}/rollback',
    summary: 'Roll every service of a release back in reverse dependency waves (202), or preview it with dryRun (200)',
    role: 'deployer',
    body: releaseRollbackSchema,
    ok: 202,
    response: releaseRollbackResultSchema,
    also: [{ status: 200, description: 'dryRun: per wave, each service from which version to which, warm or not, migrations, what is left alone', response: releaseRollbackResultSchema }],
  },
  { method: 'get', path: '/api/v1/rollback-windows', summary: 'The warm rollback windows open now: a rollback to their version is a traffic switch', role: 'viewer', ok: 200, response: list('windows', rollbackWindowSchema) },
  { method: 'get', path: '/api/v1/notifications/subscriptions', summary: 'Notification subscriptions (target URLs never shown back)', role: 'viewer', ok: 200, response: list('subscriptions', subscriptionSchema) },
  { method: 'post', path: '/api/v1/notifications/subscriptions', summary: 'Subscribe a webhook target (JSON, Slack-compatible or templated) to outcomes of a service or every service', role: 'admin', body: createSubscriptionSchema, ok: 201, response: subscriptionSchema },
  { method: 'delete', path: '/api/v1/notifications/subscriptions/{id}', summary: 'Remove a notification subscription', role: 'admin', ok: 200, response: subscriptionSchema },
  { method: 'get', path: '/api/v1/deployments/{id}/notifications', summary: "The deployment's notifications, each delivery attempt logged", role: 'viewer', ok: 200, response: list('notifications', deliverySchema) },
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
      ...(op.body ? { requestBody: { required: false, content: { 'application/json': { schema: json(op.body, 'input') } } } } : {}),
      responses: {
        [String(op.ok)]: { description: 'OK', content: { 'application/json': { schema: json(op.response, 'output') } } },
        ...Object.fromEntries((op.also ?? []).map((a) => [String(a.status), { description: a.description, content: { 'application/json': { schema: json(a.response, 'output') } } }])),
        ...errors,
      },
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
      schemas: { Error: errorSchema, ...Object.fromEntries(COMPONENTS.map(([name, schema]) => [name, json(schema, 'output')])) },
    },
    paths,
  };
}

/** The documented body of an answer: what the tests parse real answers with. */
export function documentedResponse(method: string, path: string, status: number): z.ZodType | undefined {
  const op = OPS.find((o) => o.method === method.toLowerCase() && o.path === path);
  if (!op) return undefined;
  return status === op.ok ? op.response : op.also?.find((a) => a.status === status)?.response;
}

/** Every documented operation as "METHOD /path", with the statuses of its successful answers. */
export const OPENAPI_OPERATIONS = OPS.map((o) => ({ operation: `${o.method.toUpperCase()} ${o.path}`, statuses: [o.ok, ...(o.also ?? []).map((a) => a.status)] }));

/** Every documented operation: method, path template and the role it needs (the edge's route table). */
export const API_OPERATIONS: ReadonlyArray<{ method: string; path: string; role: Role | 'public' }> = OPS.map((o) => ({ method: o.method.toUpperCase(), path: o.path, role: o.role }));
