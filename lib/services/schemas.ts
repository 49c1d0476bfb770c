/**
 * Request schemas for the service layer and REST API v1 (one source for validation and,
 * later, the OpenAPI document). Shape problems are caught here; domain rules (semver,
 * strategy params, cycles, missing config) are checked by the engine and the services.
 */
import { z } from 'zod';
import { STRATEGIES } from '../engine/types';

export const slug = z
  .string()
  .regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, 'must be a lowercase slug: letters, digits and dashes, 1-63 characters');

const envKey = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name');
const env = z.record(envKey, z.string());

const hook = z.discriminatedUnion('type', [
  z
    .object({
      name: z.string().min(1).max(100),
      type: z.literal('command'),
      command: z.string().min(1),
      args: z.array(z.string()).optional(),
      timeoutSeconds: z.number().int().min(1).max(3600).optional(),
    })
    .strict(),
  z
    .object({
      name: z.string().min(1).max(100),
      type: z.literal('http'),
      url: z.url(),
      method: z.enum(['GET', 'POST']).optional(),
      timeoutSeconds: z.number().int().min(1).max(3600).optional(),
    })
    .strict(),
]);

export const hooksSchema = z.object({ pre: z.array(hook).default([]), post: z.array(hook).default([]) }).strict();

export const healthSchema = z
  .object({
    path: z.string().startsWith('/').optional(),
    intervalSeconds: z.number().positive().max(3600).optional(),
    timeoutSeconds: z.number().positive().max(3600).optional(),
    healthyThreshold: z.number().int().min(1).max(100).optional(),
    unhealthyThreshold: z.number().int().min(1).max(100).optional(),
    gracePeriodSeconds: z.number().min(0).max(86400).optional(),
  })
  .strict();

export const templateSchema = z
  .object({
    command: z.string().min(1),
    args: z.array(z.string()).default([]),
    cwd: z.string().optional(),
    port: z.number().int().min(1).max(65535).optional(),
    env: env.default({}),
  })
  .strict();

export const strategyName = z.string().refine((s) => (STRATEGIES as readonly string[]).includes(s), {
  error: (iss) => `unknown strategy ${JSON.stringify(iss.input)}: use one of ${STRATEGIES.join(', ')}`,
});

export const createServiceSchema = z
  .object({
    name: slug,
    description: z.string().max(2000).default(''),
    replicas: z.number().int('replicas must be an integer').min(1, 'replicas must be at least 1').max(100).default(1),
    template: templateSchema,
    health: healthSchema.default({}),
    requiredConfigKeys: z.array(envKey).default([]),
    hooks: hooksSchema.default({ pre: [], post: [] }),
    dependencies: z.array(slug).default([]),
    defaultStrategy: strategyName.default('rolling'),
    strategyParams: z.record(z.string(), z.unknown()).default({}),
    slo: z
      .object({ availability: z.number().gt(0).lt(100), latencyMs: z.number().int().positive().optional() })
      .strict()
      .optional(),
    /** Canary analysis defaults; validated in depth by the engine (validateAnalysisConfig). */
    analysis: z.record(z.string(), z.unknown()).optional(),
    /** Refuse deploys while the error budget is spent (an override is recorded). */
    budgetFreeze: z.boolean().optional(),
  })
  .strict();
export type CreateServiceInput = z.input<typeof createServiceSchema>;

export const updateServiceSchema = createServiceSchema.omit({ name: true }).partial().strict();
export type UpdateServiceInput = z.input<typeof updateServiceSchema>;

export const createVersionSchema = z
  .object({
    version: z.string().min(1).max(100),
    artifact: z
      .object({ command: z.string().min(1).optional(), args: z.array(z.string()).optional(), cwd: z.string().optional(), image: z.string().optional() })
      .strict()
      .default({}),
    config: env.default({}),
    notes: z.string().max(10_000).default(''),
  })
  .strict();
export type CreateVersionInput = z.input<typeof createVersionSchema>;

export const createDeploymentSchema = z
  .object({
    version: z.string().min(1).max(100),
    strategy: strategyName.optional(),
    params: z.record(z.string(), z.unknown()).optional(),
    dryRun: z.boolean().default(false),
    /** Deploy a version even though it is marked bad. */
    force: z.boolean().default(false),
    /** Canary analysis override for this deployment, merged over the service's defaults. */
    analysis: z.record(z.string(), z.unknown()).optional(),
    /** The environment to deploy to (default: the first environment). */
    environment: slug.optional(),
    /** Deploy through refusing gates (freeze, promotion, spent error budget): admins, with a reason that is recorded. */
    override: z.union([z.boolean(), z.object({ reason: z.string().trim().min(1).max(500) }).strict()]).optional(),
  })
  .strict();
export type CreateDeploymentInput = z.input<typeof createDeploymentSchema>;

export const rollbackSchema = z
  .object({ toVersion: z.string().min(1).max(100).optional(), dryRun: z.boolean().default(false), environment: slug.optional() })
  .strict();
export type RollbackInput = z.input<typeof rollbackSchema>;

export const createReleaseSchema = z
  .object({
    items: z.array(z.object({ service: slug, version: z.string().min(1).max(100) }).strict()).min(1).max(100),
    strategy: strategyName.optional(),
    environment: slug.optional(),
  })
  .strict();
export type CreateReleaseInput = z.input<typeof createReleaseSchema>;

export const controlActionSchema = z.enum(['pause', 'resume', 'promote', 'abort']);
export type ControlAction = z.infer<typeof controlActionSchema>;

export const controlBodySchema = z.object({ reason: z.string().max(1000).optional() }).strict();
