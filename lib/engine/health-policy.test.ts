import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { DEFAULTS } from './constants';
import { healthPolicySchema, resolveHealthPolicy, validateHealthPolicy } from './health-policy';
import { expectAppError } from '../testing/engine';

describe('resolveHealthPolicy: the one place a service’s health settings meet the defaults', () => {
  it.each<[unknown, object]>([
    [undefined, DEFAULTS.health],
    [null, DEFAULTS.health],
    [{}, DEFAULTS.health],
    [{ gracePeriodSeconds: 0, path: '/ready' }, { ...DEFAULTS.health, gracePeriodSeconds: 0, path: '/ready' }],
    [{ intervalSeconds: 0.2, unhealthyThreshold: undefined }, { ...DEFAULTS.health, intervalSeconds: 0.2 }],
  ])('%j → %j', (raw, expected) => {
    expect(resolveHealthPolicy(raw)).toEqual(expected);
  });

  it.each<[unknown, string]>([
    [{ intervalSeconds: 0 }, 'health intervalSeconds must be a number > 0, got 0'],
    [{ intervalSeconds: 4000 }, 'health intervalSeconds must be at most 3600, got 4000'],
    [{ timeoutSeconds: -1 }, 'health timeoutSeconds must be a number > 0, got -1'],
    [{ gracePeriodSeconds: '60' }, 'health gracePeriodSeconds must be a number ≥ 0, got "60"'],
    [{ healthyThreshold: 101 }, 'health healthyThreshold must be at most 100, got 101'],
    [{ path: 'healthz' }, 'health path must be a path starting with "/", got "healthz"'],
    ['fast', 'health must be an object, got "fast"'],
  ])('%j → invalid: %s', (raw, message) => {
    expectAppError(() => resolveHealthPolicy(raw), 'invalid', message);
  });

  it('names the field in the details', () => {
    expect(expectAppError(() => resolveHealthPolicy({ unhealthyThreshold: 0 }), 'invalid', 'unhealthyThreshold').details).toMatchObject({ field: 'unhealthyThreshold', value: 0 });
  });

  it('validateHealthPolicy drops keys it does not know (stored data may carry them) but keeps every value', () => {
    expect(validateHealthPolicy({ ...DEFAULTS.health, legacy: true } as never)).toEqual(DEFAULTS.health);
  });

  it('strict at the edge: a partial policy with an unknown key is refused, naming it', () => {
    const edge = healthPolicySchema.partial().strict();
    const r = edge.safeParse({ intervalSecond: 5 });
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.message).toBe('unknown health key: intervalSecond (valid: path, intervalSeconds, timeoutSeconds, healthyThreshold, unhealthyThreshold, gracePeriodSeconds)');
    expect(edge.parse({})).toEqual({});
  });

  it('documents every field with its default', () => {
    const doc = z.toJSONSchema(healthPolicySchema) as { properties: Record<string, { default?: unknown; description?: string }> };
    expect(Object.fromEntries(Object.entries(doc.properties).map(([k, v]) => [k, v.default]))).toEqual(DEFAULTS.health);
    for (const v of Object.values(doc.properties)) expect(v.description).toEqual(expect.any(String));
  });
});
