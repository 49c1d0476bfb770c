/**
 * The parameters of each strategy, as zod schemas: what the API accepts, what the OpenAPI
 * document and the deploy dialog show (title, description and default of every field), and
 * the checks the planners rely on. A schema checks without filling defaults in, so what a
 * service stores is what it was given; the planners apply the defaults (each field's
 * `default`) when they plan.
 */
import { z } from 'zod';
import { CANARY_MAX_ERROR_RATE, DEFAULTS, type StrategyName } from './constants';
import { fails, isFiniteNumber, show, unknownKeysMessage, type IssueInput } from './validate';

type Where = string | ((path: readonly PropertyKey[]) => string);

/** The object-level error of a strategy's params: keys it does not take, or no object at all. */
function paramsObject(what: Where, allowed: readonly string[]) {
  return {
    error: (issue: IssueInput & { code?: string; keys?: string[] }) => {
      const name = typeof what === 'function' ? what(issue.path ?? []) : what;
      return issue.code === 'unrecognized_keys'
        ? unknownKeysMessage(name, 'parameter', issue.keys ?? [], allowed)
        : `${name} params must be an object, got ${show(issue.input)}`;
    },
  };
}

// ------------------------------------------------------------------ rolling

/** Only whole percentages, as Kubernetes accepts them: "25%". */
export const PERCENT = /^(\d+)%$/;

/** An absolute count or a whole percentage of replicas, as Kubernetes' IntOrString. */
function countOrPercent(field: 'maxSurge' | 'maxUnavailable', title: string, description: string) {
  const bad = fails(`${field} must be a non-negative integer or a percentage such as "25%"`);
  const percent = z.string(bad).regex(PERCENT, bad);
  // Fewer than all instances can be missing, never more: Kubernetes refuses > 100 % too.
  const bounded =
    field === 'maxUnavailable'
      ? percent.refine((v) => Number(PERCENT.exec(v)?.[1] ?? 0) <= 100, fails('maxUnavailable must not exceed 100%'))
      : percent;
  return z.union([z.number(bad).int(bad).min(0, bad), bounded], bad).optional().meta({ title, description });
}

const batchSize = fails('batchSize must be an integer ≥ 1');
const rollingShape = {
  batchSize: z
    .number(batchSize)
    .int(batchSize)
    .min(1, batchSize)
    .optional()
    .meta({ title: 'Batch size', description: 'Instances replaced per batch; ignored when maxSurge or maxUnavailable is given.', default: DEFAULTS.rollingBatchSize }),
  maxSurge: countOrPercent('maxSurge', 'Max surge', 'Extra instances allowed above replicas during the update; a percentage of replicas rounds up.'),
  maxUnavailable: countOrPercent(
    'maxUnavailable',
    'Max unavailable',
    'Instances that may be missing during the update; a percentage of replicas rounds down. Not 0 together with maxSurge.',
  ),
};
export const rollingParamsSchema = z.strictObject(rollingShape, paramsObject('rolling', Object.keys(rollingShape))).meta({
  title: 'Rolling',
  description: 'Replace the instances a batch at a time: start new, wait for readiness, move traffic, drain and stop old.',
});

// ------------------------------------------------------------------ blue-green

const scaleDownDelay = fails('scaleDownDelaySeconds must be a number ≥ 0');
const blueGreenShape = {
  previewHold: z
    .boolean(fails('previewHold must be true or false'))
    .optional()
    .meta({ title: 'Hold for preview', description: 'Hold the green set on its preview address until someone promotes.', default: false }),
  scaleDownDelaySeconds: z
    .number(scaleDownDelay)
    .min(0, scaleDownDelay)
    .optional()
    .meta({
      title: 'Scale-down delay (s)',
      description: 'Keep blue running this long after the switch, so that a rollback is only a routing change.',
      default: DEFAULTS.scaleDownDelaySeconds,
    }),
};
export const blueGreenParamsSchema = z.strictObject(blueGreenShape, paramsObject('blue-green', Object.keys(blueGreenShape))).meta({
  title: 'Blue-green',
  description: 'Start the whole new set beside the old, gate on health, then switch all traffic in one atomic change.',
});

// ------------------------------------------------------------------ canary

/** "canary step 2 " for a value inside steps[1], "canary " for one at the top level. */
function canaryWhere(path: readonly PropertyKey[] = []): string {
  const at = path.lastIndexOf('steps');
  const index = path[at + 1];
  return at >= 0 && typeof index === 'number' ? `canary step ${index + 1} ` : 'canary ';
}

const windowRule = (i: IssueInput) => `${canaryWhere(i.path)}windowSeconds must be a number > 0`;
const minSamplesRule = (i: IssueInput) => `${canaryWhere(i.path)}minSamples must be an integer ≥ 1`;
const windowSeconds = z.number(fails(windowRule)).positive(fails(windowRule));
// multipleOf(1) rather than int(): a failed int() ends a union branch, which would hide this
// message behind the step's "weight or {…}" one.
const minSamples = z.number(fails(minSamplesRule)).multipleOf(1, fails(minSamplesRule)).min(1, fails(minSamplesRule));
const weight = z
  .number(fails((i) => `${canaryWhere(i.path)}needs a numeric weight`))
  .multipleOf(1, { error: (i) => `canary weight ${show(i.input)} is not a whole percentage` })
  .min(1, { error: (i) => `canary weight ${show(i.input)} is below 1` })
  .max(100, { error: (i) => `canary weight ${show(i.input)} is over 100` })
  .meta({ description: 'Percentage of traffic to the new version, 1..100.' });

const stepShape = {
  weight,
  windowSeconds: windowSeconds.optional().meta({ description: "This step's analysis window; default the params' windowSeconds." }),
  minSamples: minSamples.optional().meta({ description: "This step's minimum requests per cohort; default the params' minSamples." }),
};
const canaryStepSpecSchema = z.strictObject(stepShape, paramsObject((path) => canaryWhere(path).trim(), Object.keys(stepShape)));

/**
 * A step that is neither a whole weight nor a valid {weight, …} object. zod tried both forms;
 * the message names the step and the field that is not a number.
 */
function stepProblem(issue: IssueInput): string {
  const where = canaryWhere(issue.path);
  const value = issue.input;
  if (typeof value === 'number') return `${where}needs a numeric weight, got ${show(value)}`;
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const spec = value as Record<string, unknown>;
    if (!isFiniteNumber(spec.weight)) return `${where}needs a numeric weight, got ${show(spec.weight)}`;
    if (spec.windowSeconds !== undefined && !isFiniteNumber(spec.windowSeconds)) return `${where}windowSeconds must be a number > 0, got ${show(spec.windowSeconds)}`;
    if (spec.minSamples !== undefined && !isFiniteNumber(spec.minSamples)) return `${where}minSamples must be an integer ≥ 1, got ${show(spec.minSamples)}`;
  }
  return `${where}must be a weight or {weight, windowSeconds?, minSamples?}, got ${show(value)}`;
}

const stepsRule = fails('canary steps must be a non-empty list of weights');
const canaryShape = {
  steps: z
    .array(z.union([weight, canaryStepSpecSchema], { error: stepProblem }), stepsRule)
    .min(1, stepsRule)
    .superRefine((steps, ctx) => {
      let previous: number | undefined;
      for (const [i, step] of steps.entries()) {
        const w = typeof step === 'number' ? step : step.weight;
        if (previous !== undefined && w <= previous) {
          ctx.addIssue({ code: 'custom', input: w, path: [i], message: `canary weights must be strictly increasing: ${w} follows ${previous}`, params: { step: i, weight: w, previous } });
          return;
        }
        previous = w;
      }
    })
    .optional()
    .meta({
      title: 'Weights (%)',
      description: 'Traffic to the new version at each step, strictly increasing; a final 100 % step is added when missing. A step may carry its own window and minimum.',
      default: DEFAULTS.canarySteps,
    }),
  windowSeconds: windowSeconds.optional().meta({
    title: 'Window per step (s)',
    description: "How long each step is analysed before it may be promoted; default the service's analysis windowSeconds, else 300.",
    default: DEFAULTS.canaryWindowSeconds,
  }),
  minSamples: minSamples.optional().meta({
    title: 'Min samples',
    description: "Requests each cohort (canary and stable) needs before a step may be promoted; default the service's analysis minSamples, else 100.",
    default: DEFAULTS.canaryMinSamples,
  }),
  maxErrorRate: z
    .number(fails('canary maxErrorRate must be in (0, 1]'))
    .positive(fails('canary maxErrorRate must be in (0, 1]'))
    .max(1, fails('canary maxErrorRate must be in (0, 1]'))
    .optional()
    .meta({ title: 'Max error rate', description: "Ceiling on the canary's error rate (0..1) once a window is complete.", default: CANARY_MAX_ERROR_RATE }),
};
export const canaryParamsSchema = z.strictObject(canaryShape, paramsObject('canary', Object.keys(canaryShape))).meta({
  title: 'Canary',
  description: 'Move traffic in steps of weight, each held for its analysis window; promote only on evidence, abort on harm.',
});

// ------------------------------------------------------------------ recreate

export const recreateParamsSchema = z.strictObject({}, paramsObject('recreate', [])).meta({
  title: 'Recreate',
  description: 'Stop every old instance, then start the new ones: never two versions at once, at the price of downtime.',
});

// ------------------------------------------------------------------ all of them

/** Each strategy's params schema, keyed by strategy. */
export const strategyParamsSchemas = {
  rolling: rollingParamsSchema,
  'blue-green': blueGreenParamsSchema,
  canary: canaryParamsSchema,
  recreate: recreateParamsSchema,
} as const satisfies Record<StrategyName, z.ZodType>;

/** An absolute count or a percentage of replicas such as "25%", as in Kubernetes. */
export type IntOrPercent = number | string;
export type RollingParams = z.output<typeof rollingParamsSchema>;
export type BlueGreenParams = z.output<typeof blueGreenParamsSchema>;
export type CanaryStepSpec = z.output<typeof canaryStepSpecSchema>;
export type CanaryParams = z.output<typeof canaryParamsSchema>;
export type RecreateParams = Record<string, never>;
export type StrategyParams = RollingParams | BlueGreenParams | CanaryParams | RecreateParams;
