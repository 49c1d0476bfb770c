/**
 * The shape of a stored plan. Plans are produced by the planners and kept as JSON on the
 * deployment row; reading them back goes through this schema so a row that is not a plan is
 * an error at the boundary, never a surprise deep inside the orchestrator.
 */
import { z } from 'zod';
import type { Plan, RouteSpec, Step } from './types';

const slot = z.number().int().min(0);
const instanceRef = z.object({ role: z.enum(['old', 'new']), slot });

export const routeSpecSchema: z.ZodType<RouteSpec> = z.discriminatedUnion('mode', [
  z.object({ mode: z.literal('instances'), old: z.array(slot), new: z.array(slot) }),
  z.object({ mode: z.literal('weights'), newWeight: z.number().min(0).max(100) }),
]);

export const stepSchema: z.ZodType<Step> = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('hook'), phase: z.enum(['pre', 'post']), index: z.number().int().min(0), name: z.string() }),
  z.object({ kind: z.literal('start'), instances: z.array(instanceRef) }),
  z.object({ kind: z.literal('await_ready'), instances: z.array(instanceRef) }),
  z.object({ kind: z.literal('route'), route: routeSpecSchema }),
  z.object({ kind: z.literal('drain_stop'), instances: z.array(instanceRef) }),
  z.object({
    kind: z.literal('analysis'),
    canaryStep: z.number().int().min(0),
    weight: z.number(),
    windowSeconds: z.number().positive(),
    minSamples: z.number().int().min(1),
  }),
  z.object({ kind: z.literal('hold'), reason: z.string() }),
  z.object({ kind: z.literal('delay'), seconds: z.number().min(0), reason: z.string() }),
]);

const planShape = z.object({
  strategy: z.enum(['rolling', 'blue-green', 'canary', 'recreate']),
  params: z.record(z.string(), z.unknown()),
  replicas: z.number().int().min(1),
  steps: z.array(stepSchema),
  batches: z.array(z.array(slot)).optional(),
  weights: z.array(z.number()).optional(),
  // The analysis config was validated when the plan was made; it is carried as it was stored.
  analysis: z.record(z.string(), z.unknown()).optional(),
});

/** Parse a stored plan. Throws a ZodError naming the first field that is not a plan's. */
export function parsePlan(raw: unknown): Plan {
  return planShape.parse(raw) as Plan;
}

export function parseSteps(raw: unknown): Step[] {
  return z.array(stepSchema).parse(raw);
}
