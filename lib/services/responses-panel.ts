/**
 * Response schemas of the panel's reads: the overview matrix, what changed, instances, and a
 * broken lease (see responses.ts for why they are strict).
 */
import { z } from 'zod';
import { count, deploymentState, environment, timestamp, uuid } from './response-primitives';
import { versionChangeSchema } from './responses-rollback';

// ------------------------------------------------------------------ overview, changes, instances, leases

const trafficFigures = { requests: count, errors: count, errorRate: z.number().nullable() };

const overviewCell = z.strictObject({
  environment,
  liveVersion: z.string().nullable(),
  liveSince: timestamp.nullable(),
  health: z.strictObject({ serving: count, running: count, exited: count, status: z.enum(['healthy', 'degraded', 'down', 'unknown', 'idle']) }),
  traffic: z.strictObject({ windowSeconds: z.number(), ...trafficFigures }).nullable(),
  activeDeployment: z
    .strictObject({
      id: uuid,
      kind: z.enum(['deploy', 'rollback']),
      state: deploymentState,
      phase: z.string(),
      strategy: z.string(),
      from: z.string().nullable(),
      to: z.string(),
      step: count,
      totalSteps: count,
      startedAt: timestamp.nullable(),
    })
    .nullable(),
  rollbackTarget: z.string().nullable(),
  rollbackNote: z.string().nullable(),
  errorBudget: z
    .strictObject({ sloAvailability: z.number(), budgetMinutes: z.number(), leftMinutes: z.number(), spentFraction: z.number(), exhausted: z.boolean(), frozen: z.boolean() })
    .nullable(),
});

export const overviewSchema = z
  .strictObject({
    environments: z.array(z.strictObject({ name: z.string(), order: z.number().int(), protected: z.boolean() })),
    services: z.array(
      z.strictObject({
        name: z.string(),
        description: z.string(),
        replicas: z.number().int(),
        dependencies: z.array(z.string()),
        cells: z.array(overviewCell).meta({ description: 'One per environment, in environment order.' }),
      }),
    ),
    at: timestamp,
    cursor: count.meta({ description: 'The global event cursor this overview is current to.' }),
  })
  .meta({ title: 'Overview', description: 'Services × environments.' });

const around = z.strictObject(trafficFigures).nullable();
export const changeSchema = z
  .strictObject({
    id: z.string(),
    kind: z.enum(['deploy', 'rollback', 'version', 'service', 'config']),
    at: timestamp,
    service: z.string(),
    environment: z.string().nullable().meta({ description: 'The environment of a deployment or rollback.' }),
    actor: z.string(),
    summary: z.string(),
    deploymentId: uuid.nullable(),
    state: z.string().nullable(),
    strategy: z.string().nullable(),
    from: z.string().nullable(),
    to: z.string().nullable(),
    reason: z.string().nullable(),
    before: around.meta({ description: 'Traffic in the five minutes before (deployments only, while the runtime still holds it).' }),
    after: around,
    diff: versionChangeSchema.nullable().meta({ description: 'A deployment or rollback: the versions, commits and config keys it brings in or undoes.' }),
  })
  .meta({ title: 'Change' });

export const instancesSchema = z
  .strictObject({
    service: z.string(),
    environment,
    runtime: z.string().nullable().meta({ description: 'Which runtime runs it: local, kubernetes, fleet, simulated.' }),
    trafficNote: z
      .string()
      .nullable()
      .meta({ description: 'How this runtime applies traffic weights when not exactly (Kubernetes without a Gateway: by the ratio of ready pods); null when exact.' }),
    available: z.boolean().meta({ description: 'false: no runtime is attached to this process.' }),
    instances: z.array(
      z.strictObject({
        id: z.string(),
        version: z.string(),
        versionId: uuid,
        slot: count,
        state: z.enum(['running', 'exited']),
        health: z.enum(['serving', 'starting', 'out-of-rotation', 'warm', 'exited']),
        weight: z.number(),
        startedAt: timestamp,
        restarts: count,
        exitCode: z.number().int().nullable(),
        exitReason: z.string().nullable(),
        reason: z.string().nullable().meta({ description: "The platform's word for why it is not ready (CrashLoopBackOff, ImagePullBackOff…)." }),
        host: z.string().nullable().meta({ description: 'The host (fleet) or node (Kubernetes) it runs on.' }),
        address: z.string().nullable(),
        logs: z.array(z.string()),
      }),
    ),
  })
  .meta({ title: 'Instances' });

export const leaseBreakSchema = z
  .strictObject({ service: z.string(), deploymentId: uuid, previousOwner: z.string().nullable(), previousToken: count, brokenAt: timestamp })
  .meta({ title: 'Broken lease' });
