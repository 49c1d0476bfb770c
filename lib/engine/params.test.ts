import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { CANARY_MAX_ERROR_RATE, DEFAULTS, STRATEGIES } from './constants';
import { canaryParamsSchema, rollingParamsSchema, strategyParamsSchemas } from './params';
import { validateStrategyParams } from './plan';
import { effectiveStrategyParams, resolveDeploymentParams } from './deployment-params';
import { expectAppError } from '../testing/engine';

const json = (s: z.ZodType) => z.toJSONSchema(s, { io: 'input' }) as { title?: string; description?: string; properties: Record<string, Record<string, unknown>>; additionalProperties?: boolean };

describe('strategy params schemas', () => {
  it('one per strategy, each titled and described, every field too', () => {
    expect(Object.keys(strategyParamsSchemas).sort()).toEqual([...STRATEGIES].sort());
    for (const schema of Object.values(strategyParamsSchemas)) {
      const doc = json(schema);
      expect(doc.title).toEqual(expect.any(String));
      expect(doc.description).toEqual(expect.any(String));
      expect(doc.additionalProperties).toBe(false);
      for (const [key, field] of Object.entries(doc.properties)) {
        expect(field.title, key).toEqual(expect.any(String));
        expect(field.description, key).toEqual(expect.any(String));
      }
    }
  });

  it('documents the defaults the planners apply', () => {
    const applied = {
      rolling: validateStrategyParams('rolling', {}),
      'blue-green': validateStrategyParams('blue-green', {}),
      canary: validateStrategyParams('canary', {}),
    } as Record<string, Record<string, unknown>>;
    expect(json(rollingParamsSchema).properties.batchSize!.default).toBe(applied.rolling!.batchSize);
    for (const [key, field] of Object.entries(json(strategyParamsSchemas['blue-green']).properties)) expect(field.default, key).toEqual(applied['blue-green']![key]);
    const canary = json(canaryParamsSchema).properties;
    expect(canary.steps!.default).toEqual((applied.canary!.steps as Array<{ weight: number }>).map((s) => s.weight));
    for (const key of ['windowSeconds', 'minSamples', 'maxErrorRate']) expect(canary[key]!.default, key).toBe(applied.canary![key]);
  });

  it('documents a canary step as a whole weight or {weight, windowSeconds?, minSamples?}', () => {
    expect(json(canaryParamsSchema).properties.steps).toMatchObject({
      type: 'array',
      minItems: 1,
      items: {
        anyOf: [
          { type: 'number', minimum: 1, maximum: 100 },
          { type: 'object', required: ['weight'], additionalProperties: false, properties: { weight: { minimum: 1, maximum: 100 }, windowSeconds: { exclusiveMinimum: 0 } } },
        ],
      },
    });
  });

  it('check without filling defaults in, so what a service stores is what it was given', () => {
    expect(rollingParamsSchema.parse({})).toEqual({});
    expect(canaryParamsSchema.parse({ steps: [10, { weight: 50, minSamples: 5 }] })).toEqual({ steps: [10, { weight: 50, minSamples: 5 }] });
  });
});

describe('resolveDeploymentParams', () => {
  const service = { defaultStrategy: 'canary', strategyParams: { steps: [10, 50, 100], windowSeconds: 60, minSamples: 50 }, analysis: {} };

  it.each<[string, Parameters<typeof resolveDeploymentParams>[0], Record<string, unknown>]>([
    ["the service's params for its default strategy", { strategy: 'canary', service }, { steps: [10, 50, 100], windowSeconds: 60, minSamples: 50 }],
    ['the request wins key by key', { strategy: 'canary', service, params: { windowSeconds: 5 } }, { steps: [10, 50, 100], windowSeconds: 5, minSamples: 50 }],
    ['another strategy starts from nothing', { strategy: 'rolling', service, params: { batchSize: 2 } }, { batchSize: 2 }],
    [
      "the analysis config's window and minimum fill in under the params",
      { strategy: 'canary', service: { defaultStrategy: 'rolling', strategyParams: { batchSize: 3 }, analysis: { windowSeconds: 120, minSamples: 20 } }, params: { minSamples: 7 } },
      { windowSeconds: 120, minSamples: 7 },
    ],
    ["the request's analysis config over the service's", { strategy: 'canary', service: { ...service, strategyParams: {} }, analysis: { windowSeconds: 30 } }, { windowSeconds: 30 }],
  ])('%s', (_name, input, params) => {
    expect(resolveDeploymentParams(input).params).toEqual(params);
  });

  it('gives the analysis config in force to a canary only, its error-rate ceiling from the params', () => {
    const { analysis } = resolveDeploymentParams({ strategy: 'canary', service, params: { maxErrorRate: 0.2 } });
    expect(analysis?.metrics.find((m) => m.kind === 'error_rate')?.threshold).toBe(0.2);
    expect(resolveDeploymentParams({ strategy: 'canary', service }).analysis?.metrics[0]?.threshold).toBe(CANARY_MAX_ERROR_RATE);
    expect(resolveDeploymentParams({ strategy: 'canary', service, kind: 'rollback' }).analysis).toBeUndefined();
    expect(resolveDeploymentParams({ strategy: 'blue-green', service }).analysis).toBeUndefined();
  });

  it('refuses an analysis config for a strategy that does not analyse', () => {
    expectAppError(() => resolveDeploymentParams({ strategy: 'rolling', service, analysis: {} }), 'invalid', 'analysis applies to canary deployments only, not rolling');
  });

  it('effectiveStrategyParams: with the defaults applied, what the planner runs — the seed service runs 10/50/100, 60 s, 50', () => {
    const params = effectiveStrategyParams('canary', service) as { steps: Array<{ weight: number }>; windowSeconds: number; minSamples: number };
    expect(params.steps.map((s) => s.weight)).toEqual([10, 50, 100]);
    expect([params.windowSeconds, params.minSamples]).toEqual([60, 50]);
    expect(effectiveStrategyParams('canary', { defaultStrategy: 'rolling', strategyParams: {}, analysis: { windowSeconds: 90 } })).toMatchObject({
      windowSeconds: 90,
      minSamples: DEFAULTS.canaryMinSamples,
    });
    expect(effectiveStrategyParams('blue-green', service)).toEqual({ previewHold: false, scaleDownDelaySeconds: DEFAULTS.scaleDownDelaySeconds });
  });
});
