/**
 * Request schemas for the service layer and REST API v1: one source for validation and the
 * OpenAPI document. The health policy and the analysis config are the engine's own schemas.
 * Strategy params depend on the strategy, which a request may leave to the service: here they
 * only need to be an object (documented as any strategy's params), and the engine checks them
 * once the strategy is known. Domain rules (semver, cycles, missing config) are checked by the
 * services.
 */
import { z } from 'zod';
import { analysisConfigSchema, healthPolicySchema, hooksSchema, migrationsSchema, rollbackPolicySchema, STRATEGIES, strategyParamsSchemas } from '../engine';
import { dnsLabel, image as containerImage, resourceList } from '../runtime/kubernetes/spec';

/**
 * Schemas the OpenAPI document shows as another schema: what they accept is checked later, by
 * a layer that knows more (strategy params, once the strategy is known).
 */
export const documentedAs = new WeakMap<object, z.ZodType>();

/** Any strategy's params: an object here, checked by the engine against the strategy in force. */
export const strategyParamsInput = z.record(z.string(), z.unknown(), { error: (iss) => `must be an object of strategy params, got ${JSON.stringify(iss.input)}` });
documentedAs.set(
  strategyParamsInput,
  z
    .union([strategyParamsSchemas.rolling, strategyParamsSchemas['blue-green'], strategyParamsSchemas.canary, strategyParamsSchemas.recreate])
    .meta({ description: "The strategy's parameters; which ones depends on the strategy (checked once it is known)." }),
);

export const slug = z
  .string()
  .regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, 'must be a lowercase slug: letters, digits and dashes, 1-63 characters');

const envKey = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name');
const env = z.record(envKey, z.string());

/** Deploy hooks and rollback hooks (the engine's schema: plans carry the hooks they run). */
export { hooksSchema };

/** Any subset of the health policy; the engine's defaults fill the rest. */
export const healthSchema = healthPolicySchema.partial().strict();

export const templateSchema = z
  .object({
    command: z.string().min(1),
    args: z.array(z.string()).default([]),
    cwd: z.string().optional(),
    port: z.number().int().min(1).max(65535).optional(),
    env: env.default({}),
  })
  .strict();

export const poolName = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be a pool name: lowercase letters, digits, dashes');

/** Where a service's instances may run in a fleet. */
export const placementSchema = z
  .object({
    /** The service's host pool, qualified by the environment's pool when it names one ("<env pool>-<pool>"). */
    pool: poolName.optional(),
    /** A host with instances is lost: pause the deployment (default), or replace them on other hosts of the pool. */
    onHostLoss: z.enum(['pause', 'replace']).optional(),
  })
  .strict();

export const strategyName = z.enum(STRATEGIES, { error: (iss) => `unknown strategy ${JSON.stringify(iss.input)}: use one of ${STRATEGIES.join(', ')}` });

const compareUrlTemplate = z
  .string()
  .max(500)
  .refine((t) => /^https?:\/\//.test(t) && t.includes('{from}') && t.includes('{to}'), 'must be an http(s) URL with {from} and {to} where the two commits go')
  .meta({ description: 'e.g. https://git.example.com/acme/pay/compare/{from}...{to} ({fromVersion}, {toVersion} work too).' });

export const createServiceSchema = z
  .object({
    name: slug,
    description: z.string().max(2000).default(''),
    replicas: z.number().int('replicas must be an integer').min(1, 'replicas must be at least 1').max(100).default(1),
    template: templateSchema,
    health: healthSchema.default({}),
    requiredConfigKeys: z.array(envKey).default([]),
    hooks: hooksSchema.default({ pre: [], post: [], preRollback: [], postRollback: [] }),
    dependencies: z.array(slug).default([]),
    defaultStrategy: strategyName.default('rolling'),
    strategyParams: strategyParamsInput.default({}),
    slo: z
      .object({ availability: z.number().gt(0).lt(100), latencyMs: z.number().int().positive().optional() })
      .strict()
      .optional(),
    /** Canary analysis defaults; stored as given, the engine's defaults apply when a canary runs. */
    analysis: analysisConfigSchema.optional(),
    /** Refuse deploys while the error budget is spent (an override is recorded). */
    budgetFreeze: z.boolean().optional(),
    /** Fleet runtime: the service's pool and what losing a host means for its deployments. */
    placement: placementSchema.optional(),
    /** The warm rollback window and post-promotion analysis. */
    rollbackPolicy: rollbackPolicySchema.optional(),
    /** Where the commits between two versions are shown: {from} and {to} are filled with their commit SHAs. */
    compareUrlTemplate: compareUrlTemplate.nullable().optional(),
  })
  .strict();
export type CreateServiceInput = z.input<typeof createServiceSchema>;

export const updateServiceSchema = createServiceSchema.omit({ name: true }).partial().strict();
export type UpdateServiceInput = z.input<typeof updateServiceSchema>;

/** A ConfigMap or a Secret (in the environment's namespace) whose keys become the version's environment variables. */
const configSource = z
  .union([z.object({ configMap: dnsLabel('ConfigMap name') }).strict(), z.object({ secret: dnsLabel('Secret name') }).strict()], {
    error: () => 'each envFrom entry must be {"configMap": NAME} or {"secret": NAME}',
  })
  .meta({ description: 'A ConfigMap or Secret whose keys become environment variables (container platforms).' });

/** What runs for a version: a command (local runtime) and/or a container image with its platform settings. */
export const artifactSchema = z
  .object({
    command: z.string().min(1).optional(),
    args: z.array(z.string()).optional(),
    cwd: z.string().optional(),
    image: containerImage.optional().meta({ description: 'Container image the Kubernetes runtime runs, e.g. registry.example.com/team/app:1.2.3.' }),
    port: z.number().int().min(1).max(65535).optional().meta({ description: 'Port the container listens on (default: the template port, else 8080).' }),
    envFrom: z.array(configSource).max(16).optional(),
    resources: z
      .object({ requests: resourceList.optional(), limits: resourceList.optional() })
      .strict()
      .optional()
      .meta({ description: 'Container requests and limits, e.g. {"requests":{"cpu":"100m"},"limits":{"memory":"256Mi"}}.' }),
  })
  .strict();

export const createVersionSchema = z
  .object({
    version: z.string().min(1).max(100),
    artifact: artifactSchema.default({}),
    config: env.default({}),
    notes: z.string().max(10_000).default(''),
    /** Schema migrations this version applies; rolling back past an irreversible one needs an admin's override. */
    migrations: migrationsSchema.default([]),
    commitSha: z.string().regex(/^[0-9a-f]{7,64}$/i, 'must be a commit SHA: 7 to 64 hex digits').optional(),
    repositoryUrl: z.url().max(500).optional(),
    changelogUrl: z.url().max(500).optional().meta({ description: 'A changelog or pull-request link.' }),
  })
  .strict();
export type CreateVersionInput = z.input<typeof createVersionSchema>;

/** An admin's reason to go on through a refusal (a gate, an irreversible migration): recorded. */
export const overrideSchema = z.union([z.boolean(), z.object({ reason: z.string().trim().min(1).max(500) }).strict()]);

export const createDeploymentSchema = z
  .object({
    version: z.string().min(1).max(100),
    strategy: strategyName.optional(),
    params: strategyParamsInput.optional(),
    dryRun: z.boolean().default(false),
    /** Deploy a version even though it is marked bad. */
    force: z.boolean().default(false),
    /** Canary analysis override for this deployment, merged over the service's defaults. */
    analysis: analysisConfigSchema.optional(),
    /** The environment to deploy to (default: the first environment). */
    environment: slug.optional(),
    /** Deploy through refusing gates (freeze, promotion, spent error budget): admins, with a reason that is recorded. */
    override: overrideSchema.optional(),
  })
  .strict();
export type CreateDeploymentInput = z.input<typeof createDeploymentSchema>;

export const rollbackSchema = z
  .object({
    toVersion: z.string().min(1).max(100).optional(),
    dryRun: z.boolean().default(false),
    environment: slug.optional(),
    /** Roll back past irreversible migrations: admins, with a reason that is recorded. */
    override: overrideSchema.optional(),
    /** An emergency rollback (the default) never waits on a failing pre-rollback hook. */
    emergency: z.boolean().default(true),
  })
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

export const releaseRollbackSchema = z
  .object({
    dryRun: z.boolean().default(false),
    /** Roll back past irreversible migrations: admins, with a reason that is recorded. */
    override: overrideSchema.optional(),
    emergency: z.boolean().default(true),
  })
  .strict();

export const controlActionSchema = z.enum(['pause', 'resume', 'promote', 'abort']);
export type ControlAction = z.infer<typeof controlActionSchema>;

export const controlBodySchema = z.object({ reason: z.string().max(1000).optional() }).strict();
