/**
 * Plans and their steps as zod schemas, for readers of a stored or served plan (the API's
 * documentation, and anything that parses a plan back). They describe the types in types.ts;
 * the type checks below fail to compile when the two drift apart.
 */
import { z } from 'zod';
import { STRATEGIES } from './constants';
import { appliedAnalysisConfigSchema } from './analysis-config';
import { strategyParamsSchemas } from './params';
import { HOOK_PHASES, migrationDownSchema } from './hook-schema';
import type { Plan, RouteSpec, Step } from './types';

const slot = z.number().int().min(0);
const instances = z.array(z.strictObject({ role: z.enum(['old', 'new']), slot })).meta({ description: 'Instance slots of the live (old) or the target (new) version.' });

const routeSpecSchema = z
  .discriminatedUnion('mode', [
    z.strictObject({ mode: z.literal('instances'), old: z.array(slot), new: z.array(slot) }).meta({ description: 'Exactly these slots of each version are in rotation, equal weight each.' }),
    z.strictObject({ mode: z.literal('weights'), newWeight: z.number().min(0).max(100) }).meta({ description: "newWeight % of requests to the new version's ready instances, the rest to the old." }),
  ])
  .meta({ description: 'What receives traffic after a route step, applied as one atomic swap.' });

export const stepSchema = z
  .discriminatedUnion('kind', [
    z.strictObject({
      kind: z.literal('hook'),
      phase: z.enum(HOOK_PHASES),
      index: z.number().int().min(0),
      name: z.string(),
      blocking: z.boolean().optional().meta({ description: 'false: a failure is recorded and alerted, and the deployment goes on.' }),
    }),
    z.strictObject({ kind: z.literal('start'), instances }),
    z.strictObject({ kind: z.literal('await_ready'), instances }),
    z.strictObject({ kind: z.literal('route'), route: routeSpecSchema }),
    z.strictObject({ kind: z.literal('drain_stop'), instances }),
    z.strictObject({
      kind: z.literal('analysis'),
      canaryStep: z.number().int().min(0).meta({ description: '0-based index of the canary step analysed.' }),
      weight: z.number(),
      windowSeconds: z.number(),
      minSamples: z.number().int(),
    }),
    z.strictObject({ kind: z.literal('hold'), reason: z.string() }).meta({ description: 'Wait for a person to promote.' }),
    z.strictObject({ kind: z.literal('delay'), seconds: z.number(), reason: z.string() }).meta({ description: 'Wait a fixed time.' }),
    z
      .strictObject({ kind: z.literal('keep_warm'), instances, seconds: z.number().min(0) })
      .meta({ description: 'Keep these old instances running out of rotation for `seconds` after success (the warm rollback window); stop the other old ones.' }),
    z
      .strictObject({ kind: z.literal('verify'), windowSeconds: z.number(), minSamples: z.number().int() })
      .meta({ description: "Post-promotion analysis: the new version at 100 % against the previous version's figures; harm reverts at once." }),
  ])
  .meta({ title: 'Plan step' });

export const planSchema = z
  .strictObject({
    strategy: z.enum(STRATEGIES),
    params: z
      .union([strategyParamsSchemas.rolling, strategyParamsSchemas['blue-green'], strategyParamsSchemas.canary, strategyParamsSchemas.recreate])
      .meta({ description: 'The params after defaults were applied.' }),
    replicas: z.number().int().min(1),
    steps: z.array(stepSchema),
    batches: z.array(z.array(slot)).optional().meta({ description: 'Rolling: the slot batches, e.g. [[0],[1],[2]].' }),
    weights: z.array(z.number()).optional().meta({ description: 'Canary: the weights in order, ending at 100.' }),
    analysis: appliedAnalysisConfigSchema.optional().meta({ description: 'Canary: the analysis config in force.' }),
    migrationDowns: z.array(migrationDownSchema).optional().meta({ description: 'Rollbacks: the down hooks of the migrations undone, in the order they run.' }),
  })
  .meta({ title: 'Plan', description: 'The flat list of steps a deployment executes, one at a time.' });

// Compile-time: the schemas and the engine's types describe the same values; an edit to one
// without the other fails the type check here.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Holds<T extends true> = T;
type _StepSchemaIsStep = Holds<Same<z.output<typeof stepSchema>, Step>>;
type _RouteSchemaIsRouteSpec = Holds<Same<z.output<typeof routeSpecSchema>, RouteSpec>>;
type _PlanFitsPlanSchema = Holds<Plan extends z.input<typeof planSchema> ? true : false>;

export { routeSpecSchema };

/** Parse a stored plan. Throws a ZodError naming the first field that is not a plan's. */
export function parsePlan(raw: unknown): Plan {
  return planSchema.parse(raw) as Plan;
}
