/**
 * What the service layer answers, as zod schemas: the OpenAPI document shows them as the
 * response bodies of REST API v1, and the tests parse real answers with them, so a field added,
 * renamed or dropped without its schema fails there. Strict objects: an undocumented field is
 * a failure too.
 */
import { z } from 'zod';
import {
  analysisConfigSchema,
  appliedAnalysisConfigSchema,
  healthPolicySchema,
  planSchema,
  STRATEGIES,
  stepSchema,
  strategyParamsSchemas,
} from '../engine';
import { createVersionSchema, hooksSchema, placementSchema, templateSchema } from './schemas';
import { migrationDownSchema, migrationSchema, rollbackPolicySchema } from '../engine';
import { count, deploymentState, environment, freeObject, timestamp, uuid } from './response-primitives';
import { releaseRollbackPlanSchema, rollbackPreviewSchema } from './responses-rollback';

const anyStrategyParams = z.union([strategyParamsSchemas.rolling, strategyParamsSchemas['blue-green'], strategyParamsSchemas.canary, strategyParamsSchemas.recreate]);

// ------------------------------------------------------------------ leases, budgets, versions

export const leaseSchema = z
  .strictObject({ serviceId: uuid, environmentId: uuid, deploymentId: uuid, owner: z.string().nullable().meta({ description: 'Worker holding it; null while waiting for one.' }), token: count, expiresAt: timestamp })
  .meta({ title: 'Lease', description: "The active deployment's claim on its service." });

const budgetFields = {
  sloAvailability: z.number(),
  periodDays: z.number(),
  budgetMinutes: z.number().meta({ description: 'Bad minutes the SLO allows over the period (99.9 % over 30 days: 43.2).' }),
  spentMinutes: z.number(),
  leftMinutes: z.number().meta({ description: 'Negative when overspent.' }),
  spentFraction: z.number(),
  exhausted: z.boolean(),
  requests: count,
  errors: count,
  minutesObserved: count,
  freezeWhenSpent: z.boolean(),
  since: timestamp,
  frozen: z.boolean().meta({ description: 'Deploys are refused until the budget recovers (an admin may override).' }),
};
export const errorBudgetSchema = z.strictObject({ service: z.string(), environment, ...budgetFields }).meta({ title: 'Error budget' });

export const versionSchema = z
  .strictObject({
    id: uuid,
    version: z.string(),
    artifact: createVersionSchema.shape.artifact.unwrap(),
    config: z.record(z.string(), z.string()),
    notes: z.string(),
    bad: z.boolean(),
    badReason: z.string().nullable(),
    markedBadAt: timestamp.nullable(),
    migrations: z.array(migrationSchema),
    commitSha: z.string().nullable(),
    repositoryUrl: z.string().nullable(),
    changelogUrl: z.string().nullable(),
    createdBy: z.string(),
    createdAt: timestamp,
  })
  .meta({ title: 'Version' });

// ------------------------------------------------------------------ services

const serviceFields = {
  id: uuid,
  name: z.string(),
  description: z.string(),
  replicas: z.number().int().min(1),
  template: templateSchema,
  health: healthPolicySchema.strict(),
  requiredConfigKeys: z.array(z.string()),
  hooks: hooksSchema,
  defaultStrategy: z.enum(STRATEGIES),
  strategyParams: anyStrategyParams.meta({ description: "The default strategy's params as given (its defaults apply when it runs)." }),
  slo: z.strictObject({ availability: z.number(), latencyMs: z.number().nullable() }),
  analysis: analysisConfigSchema.meta({ description: 'Canary analysis defaults as given.' }),
  budgetFreeze: z.boolean(),
  placement: placementSchema.meta({ description: 'Fleet placement as given: the pool and what losing a host means (pause unless "replace").' }),
  rollbackPolicy: rollbackPolicySchema.meta({ description: 'As given: warm window 15 min and every instance unless it says otherwise.' }),
  compareUrlTemplate: z.string().nullable(),
  dependencies: z.array(z.string()),
  dependents: z.array(z.string()),
  liveVersion: z.string().nullable(),
  liveSince: timestamp.nullable(),
  createdAt: timestamp,
  createdBy: z.string(),
};
export const serviceSchema = z.strictObject(serviceFields).meta({ title: 'Service' });

const activeSummary = z.strictObject({ id: uuid, state: deploymentState, phase: z.string(), strategy: z.string(), version: z.string() }).nullable();
const perEnvironment = z.strictObject({ name: z.string(), liveVersion: z.string().nullable(), liveSince: timestamp.nullable(), activeDeployment: activeSummary });

export const serviceListItemSchema = z
  .strictObject({
    ...serviceFields,
    environment: environment.meta({ description: 'The environment liveVersion and activeDeployment are about.' }),
    activeDeployment: activeSummary,
    environments: z.array(perEnvironment).meta({ description: 'What is live and in flight in each environment, in order.' }),
  })
  .meta({ title: 'Service in the list' });

export const serviceDetailSchema = z
  .strictObject({
    ...serviceFields,
    environment: environment.meta({ description: 'The environment liveVersion, lease, history and errorBudget are about (?environment=, default the first).' }),
    activeDeployment: activeSummary,
    environments: z.array(perEnvironment.extend({ protected: z.boolean() })),
    errorBudget: z.strictObject(budgetFields),
    versions: z.array(
      versionSchema.extend({
        path: z
          .array(z.strictObject({ environment: z.string(), reachedAt: timestamp.nullable(), live: z.boolean() }))
          .meta({ description: "The version's path through the environments: when it first went live in each, and whether it still is." }),
      }),
    ),
    deployments: z
      .array(
        z.strictObject({
          id: uuid,
          environment,
          kind: z.enum(['deploy', 'rollback']),
          state: deploymentState,
          phase: z.string(),
          strategy: z.string(),
          from: z.string().nullable(),
          to: z.string(),
          actor: z.string(),
          createdAt: timestamp,
          finishedAt: timestamp.nullable(),
        }),
      )
      .meta({ description: 'The last 30 in every environment, newest first.' }),
    lease: leaseSchema.nullable(),
    history: z
      .array(z.strictObject({ version: z.string(), environment, from: timestamp, until: timestamp.nullable(), deploymentId: uuid.nullable() }))
      .meta({ description: 'Which version served when in this environment, newest first.' }),
    address: z.string().nullable().meta({ description: "The service router's stable address, when the runtime has one." }),
  })
  .meta({ title: 'Service with versions, deployments, lease and budget' });

// ------------------------------------------------------------------ deployments

const traffic = z.strictObject({ newPercent: z.number(), oldPercent: z.number(), serving: z.boolean().meta({ description: 'false: nothing is in rotation.' }) });
const secondsRange = z.strictObject({ min: z.number(), max: z.number() });

export const deploymentSchema = z
  .strictObject({
    id: uuid,
    service: z.string(),
    environment,
    kind: z.enum(['deploy', 'rollback']),
    state: deploymentState,
    phase: z.string(),
    strategy: z.enum(STRATEGIES),
    params: planSchema.shape.params,
    from: z.string().nullable(),
    to: z.string(),
    releaseId: uuid.nullable(),
    actor: z.string(),
    reason: z.string().nullable(),
    plan: planSchema,
    step: count.meta({ description: 'Index of the next plan step.' }),
    totalSteps: count,
    steps: z.array(
      z.strictObject({
        index: z.number().int().min(1),
        kind: z.enum(['hook', 'start', 'await_ready', 'route', 'drain_stop', 'analysis', 'hold', 'delay', 'keep_warm', 'verify']),
        description: z.string(),
        traffic,
        timing: z.string(),
      }),
    ),
    reverting: z.strictObject({ outcome: z.enum(['failed', 'aborted']), reason: z.string() }).nullable(),
    analysis: z.strictObject({ cursor: count, verdict: z.string(), reason: z.string(), at: timestamp }).nullable().meta({ description: 'The running canary verdict.' }),
    control: z
      .strictObject({
        abort: z
          .strictObject({
            actor: z.string(),
            reason: z.string(),
            markBad: z.boolean(),
            at: z.number(),
            rollback: z.strictObject({ downs: z.array(migrationDownSchema), emergency: z.boolean() }).optional().meta({ description: 'The abort is a rollback: its hooks and migrations run.' }),
          })
          .optional(),
        promote: z.strictObject({ actor: z.string(), at: z.number(), cursor: count }).optional(),
      })
      .meta({ description: 'Requests from people the worker acts on at its next step (times in epoch ms).' }),
    lastSeq: count,
    lease: leaseSchema.nullable(),
    approval: z
      .strictObject({
        required: count,
        expiresAt: timestamp.nullable(),
        decisions: z.array(z.strictObject({ actor: z.string(), decision: z.enum(['approved', 'rejected']), comment: z.string(), at: timestamp })),
      })
      .nullable()
      .meta({ description: 'For a deployment into a protected environment: the approvals it needs and those it got.' }),
    overrides: z
      .array(z.strictObject({ gate: z.string(), message: z.string(), reason: z.string(), actor: z.string(), at: timestamp }))
      .meta({ description: 'Gates an admin deployed through, with the reason.' }),
    createdAt: timestamp,
    startedAt: timestamp.nullable(),
    finishedAt: timestamp.nullable(),
  })
  .meta({ title: 'Deployment' });

const previewStep = z.strictObject({
  index: z.number().int().min(1),
  step: stepSchema,
  description: z.string(),
  batch: z.number().int().optional(),
  traffic,
  seconds: secondsRange,
  cumulativeSeconds: secondsRange,
  timing: z.string(),
  waitsForHuman: z.boolean(),
});

export const previewSchema = z
  .strictObject({
    strategy: z.enum(STRATEGIES),
    replicas: z.number().int().min(1),
    params: planSchema.shape.params,
    batches: z.array(z.array(count)).optional(),
    weights: z.array(z.number()).optional(),
    initialTraffic: traffic,
    steps: z.array(previewStep),
    totalSeconds: secondsRange,
    expectedDowntimeSeconds: secondsRange,
    waitsForHuman: z.boolean(),
    summary: z.string(),
    preflight: z.strictObject({
      ok: z.boolean(),
      problems: z.array(z.string()),
      warnings: z.array(z.string()),
      missingConfigKeys: z.array(z.string()),
      dependencies: z.array(z.strictObject({ service: z.string(), liveVersion: z.string().nullable() })),
      lease: z.strictObject({ holder: z.string(), deploymentId: uuid, expiresAt: z.number() }).nullable(),
    }),
  })
  .meta({ title: 'Plan preview', description: 'The exact steps, timings, traffic after each step and the preflight, without acting.' });

export const gateSchema = z
  .strictObject({
    gate: z.enum(['promotion', 'freeze', 'error_budget', 'approval']),
    met: z.boolean(),
    blocking: z.boolean().meta({ description: 'An unmet blocking gate refuses the deployment (409); approval makes it wait instead.' }),
    overridable: z.boolean().meta({ description: 'An admin may deploy through it, with a reason (recorded).' }),
    message: z.string(),
    details: freeObject,
  })
  .meta({ title: 'Gate' });

const placementPreviewSchema = z
  .strictObject({
    pool: z.string(),
    hosts: z.array(z.strictObject({ slot: z.number().int().min(0), host: z.string() })),
    problem: z.string().nullable().meta({ description: 'Why some new instances have no host (pool empty, hosts unreachable, draining or full).' }),
  })
  .nullable()
  .meta({ description: 'Fleet runtime: the host each new instance will start on; null on other runtimes.' });

export const dryRunSchema = z
  .strictObject({
    dryRun: z.literal(true),
    service: z.string(),
    environment,
    from: z.string().nullable(),
    to: z.string(),
    bad: z.boolean(),
    preview: previewSchema,
    gates: z.array(gateSchema),
    placement: placementPreviewSchema,
  })
  .meta({ title: 'Dry run' });

export const eventSchema = z
  .strictObject({ deploymentId: uuid, seq: z.number().int().min(1), cursor: z.number().int().min(1), type: z.string(), message: z.string(), data: freeObject, actor: z.string(), at: timestamp })
  .meta({ title: 'Event' });

export const rollbackResultSchema = rollbackPreviewSchema.extend({ deployment: deploymentSchema.nullable() }).meta({ title: 'Rollback' });

// ------------------------------------------------------------------ analysis

const point = z.strictObject({
  at: timestamp,
  elapsedSeconds: z.number(),
  canary: z.number().nullable(),
  baseline: z.number().nullable(),
  canaryN: z.number().int().nullable(),
  baselineN: z.number().int().nullable(),
  pValue: z.number().nullable(),
  status: z.enum(['pending', 'pass', 'fail', 'no_data']),
});
const verdict = z.enum(['wait', 'promote', 'abort', 'inconclusive']);

export const analysisSchema = z
  .strictObject({
    deploymentId: uuid,
    service: z.string(),
    state: deploymentState,
    canary: z.strictObject({ version: z.string(), versionId: uuid }),
    baseline: z.strictObject({ version: z.string(), versionId: uuid }).nullable(),
    config: appliedAnalysisConfigSchema.nullable().meta({ description: 'null: not a canary.' }),
    verdict: z.strictObject({ cursor: count, verdict: verdict.nullable(), reason: z.string().nullable() }).nullable(),
    steps: z.array(
      z.strictObject({
        cursor: count,
        canaryStep: count,
        weight: z.number(),
        state: z.enum(['not_started', 'pending', 'running', 'passed', 'ended']),
        windowSeconds: z.number(),
        startedAt: timestamp.nullable(),
        elapsedSeconds: z.number(),
        remainingSeconds: z.number(),
        samples: z.strictObject({ canary: count, baseline: count, min: count }),
        verdict: verdict.nullable(),
        reason: z.string().nullable(),
        series: z.array(
          z.strictObject({
            metric: z.string(),
            kind: z.enum(['error_rate', 'latency', 'custom']),
            provider: z.enum(['router', 'prometheus', 'web']),
            critical: z.boolean(),
            threshold: z.number().nullable(),
            maxChange: z.number().nullable(),
            direction: z.enum(['lower_is_better', 'higher_is_better']),
            points: z.array(point),
          }),
        ),
      }),
    ),
  })
  .meta({ title: 'Canary analysis', description: 'Error rates as fractions (0.05 = 5 %), latency in ms, custom metrics as their provider returns them; null = no data.' });

// ------------------------------------------------------------------ releases

export const releaseSchema = z
  .strictObject({
    id: uuid,
    environment,
    kind: z.enum(['deploy', 'rollback']).meta({ description: 'rollback: every service of another release rolled back, in reverse waves.' }),
    rollbackOf: uuid.nullable().meta({ description: 'For a rollback: the release it rolls back.' }),
    rollbacks: z.array(z.strictObject({ id: uuid, state: z.string() })).meta({ description: 'Rollbacks of this release, newest first.' }),
    state: z.enum(['running', 'succeeded', 'failed']),
    strategy: z.enum(STRATEGIES).nullable(),
    waves: z.array(z.array(z.string())).meta({ description: 'Service names per wave, dependencies first.' }),
    currentWave: count,
    actor: z.string(),
    reason: z.string().nullable(),
    createdAt: timestamp,
    finishedAt: timestamp.nullable(),
    items: z.array(
      z.strictObject({
        service: z.string(),
        version: z.string(),
        wave: count,
        deployment: z.strictObject({ id: uuid, state: deploymentState, phase: z.string(), startedAt: timestamp.nullable(), finishedAt: timestamp.nullable() }).nullable(),
      }),
    ),
  })
  .meta({ title: 'Release' });


export const releaseRollbackResultSchema = releaseRollbackPlanSchema
  .extend({ release: releaseSchema.nullable().meta({ description: 'The rollback release that carries it out; null for a dry run.' }) })
  .meta({ title: 'Release rollback', description: 'Every service the release moved, back to the version before it, in reverse dependency waves.' });
