/**
 * A deployment row carries three JSON documents, and this module is the only place that reads
 * or writes them:
 *  - plan:     the engine's plan, fixed when the deployment is created;
 *  - progress: the orchestrator's scratch that must survive a crash (when a step began, the
 *              revert in progress, the running analysis verdict, hooks already started);
 *  - control:  requests from people that the worker acts on at its next step (abort, promote).
 * Every read is parsed, so a document that is not what the code expects fails here, named,
 * rather than deep in a step. The service layer and the orchestrator both use it; neither
 * reaches into the other.
 */
import { z } from 'zod';
import type { Prisma } from '../db/client';
import { migrationDownSchema, parsePlan, stepSchema, validateAnalysisConfig, type AnalysisConfig, type Plan } from '../engine';
import type { Tx } from '../events/append';

/** A revert (or abort) a person asked for as a rollback: its migrations' down hooks, and whether it is an emergency. */
const asRollbackSchema = z.object({ downs: z.array(migrationDownSchema).default([]), emergency: z.boolean().default(true) });

const revertSchema = z.object({
  steps: z.array(stepSchema),
  cursor: z.number().int().min(0),
  outcome: z.enum(['failed', 'aborted']),
  reason: z.string(),
  markBad: z.boolean(),
  /** Set when a rollback asked for it: the migration down hooks its steps run, by index. */
  rollback: asRollbackSchema.optional(),
});

const analysisStateSchema = z.object({
  cursor: z.number().int(),
  verdict: z.string(),
  reason: z.string(),
  at: z.number(),
  /** Value-only metrics: threshold breaches in a row, per metric. */
  breaches: z.record(z.string(), z.number()).default({}),
});

const progressSchema = z.object({
  /** cursor → epoch ms at which that step began (analysis windows, delays) */
  stepStartedAt: z.record(z.string(), z.number()).optional(),
  /** Set once the deployment is being reverted (failure or abort): its own steps and cursor. */
  revert: revertSchema.optional(),
  /** The latest analysis evaluation (running verdict). */
  analysis: analysisStateSchema.optional(),
  /**
   * `${phase}:${index}` → when a hook was started and under which fencing token: a hook found
   * started under an older token is a re-run by the worker that took over.
   */
  hookStarted: z.record(z.string(), z.union([z.number().transform((at) => ({ at, token: -1 })), z.object({ at: z.number(), token: z.number() })])).optional(),
  /** The platform fault that paused the deployment, until someone resumes it. */
  fault: z.object({ kind: z.string(), message: z.string(), at: z.number() }).optional(),
  /**
   * Post-promotion analysis: the previous version's figures over the window before the
   * deployment began, read once when the analysis starts (the router forgets old traffic).
   */
  verifyBaseline: z
    .object({
      from: z.number(),
      to: z.number(),
      traffic: z.object({ requests: z.number(), errors: z.number(), serverErrors: z.number() }).nullable(),
      latency: z.object({ boundsMs: z.array(z.number()), counts: z.array(z.number()), maxMs: z.number() }).nullable(),
    })
    .optional(),
});

const controlSchema = z.object({
  /** `rollback`: the abort is a rollback a person asked for (its hooks and migrations' down hooks run). */
  abort: z.object({ actor: z.string(), reason: z.string(), markBad: z.boolean(), at: z.number(), rollback: asRollbackSchema.optional() }).optional(),
  /** Skip the wait at plan step `cursor` (hold or analysis). */
  promote: z.object({ actor: z.string(), at: z.number(), cursor: z.number().int() }).optional(),
});

export type Progress = z.infer<typeof progressSchema>;
export type AsRollback = z.infer<typeof asRollbackSchema>;
export type Revert = z.infer<typeof revertSchema>;
export type AnalysisState = z.infer<typeof analysisStateSchema>;
export type Control = z.infer<typeof controlSchema>;

export function parseProgress(raw: unknown): Progress {
  return progressSchema.parse(raw ?? {});
}

export function parseControl(raw: unknown): Control {
  return controlSchema.parse(raw ?? {});
}

export interface DeploymentState {
  plan: Plan;
  progress: Progress;
  control: Control;
}

/** The three documents of a deployment row, parsed. */
export function readState(row: { plan: unknown; progress: unknown; control: unknown }): DeploymentState {
  return { plan: parsePlan(row.plan), progress: parseProgress(row.progress), control: parseControl(row.control) };
}

/** A document (plan, progress, control, params) as a JSON column value. */
export function toJson(doc: object): Prisma.InputJsonValue {
  return JSON.parse(JSON.stringify(doc)) as Prisma.InputJsonValue;
}

/** The progress with `patch` applied (shallow: each key replaces the stored one). */
export function withProgress(progress: Progress, patch: Partial<Progress>): Prisma.InputJsonValue {
  return toJson({ ...progress, ...patch });
}

/** Record that the step at `cursor` began at `now` (windows and delays are measured from it). */
export function stepStarted(progress: Progress, cursor: number, now: number): Partial<Progress> {
  return { stepStartedAt: { ...progress.stepStartedAt, [String(cursor)]: now } };
}

/** Forget when the step at `cursor` began: a resumed analysis starts a fresh window. */
export function stepRestarted(progress: Progress, cursor: number): Progress {
  const stepStartedAt = { ...progress.stepStartedAt };
  delete stepStartedAt[String(cursor)];
  return { ...progress, stepStartedAt, fault: undefined };
}

/** Remove only the promote request: an abort requested meanwhile must survive. */
export async function consumePromote(tx: Tx, id: string): Promise<void> {
  await tx.$executeRaw`UPDATE deployments SET control = control - 'promote' WHERE id = ${id}::uuid`;
}

/** The analysis config a canary plan runs with; plans made before configs were stored use the service's. */
export function analysisConfigOf(plan: Plan, serviceAnalysis: unknown): AnalysisConfig {
  if (plan.analysis) return plan.analysis;
  const maxErrorRate = typeof plan.params === 'object' && 'maxErrorRate' in plan.params ? plan.params.maxErrorRate : undefined;
  return validateAnalysisConfig(serviceAnalysis, { maxErrorRate: typeof maxErrorRate === 'number' ? maxErrorRate : undefined });
}
