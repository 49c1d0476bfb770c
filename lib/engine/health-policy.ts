/**
 * A service's health-check policy as a zod schema, and the one place its defaults are merged:
 * `resolveHealthPolicy` turns whatever a service stored (possibly nothing) into the complete,
 * checked policy that planning, previews and probing use.
 */
import { z } from 'zod';
import { DEFAULTS } from './constants';
import { fails, parseOrThrow, show, unknownKeysMessage, withoutUndefined } from './validate';

type Field = keyof typeof DEFAULTS.health;
const HEALTH_KEYS = Object.keys(DEFAULTS.health);

function seconds(field: Field, opts: { allowZero: boolean; max: number }) {
  const low = fails(`health ${field} must be a number ${opts.allowZero ? '≥' : '>'} 0`);
  const base = z.number(low);
  return (opts.allowZero ? base.min(0, low) : base.positive(low)).max(opts.max, fails(`health ${field} must be at most ${opts.max}`));
}

function threshold(field: Field) {
  const rule = fails(`health ${field} must be an integer ≥ 1`);
  return z.number(rule).int(rule).min(1, rule).max(100, fails(`health ${field} must be at most 100`));
}

export const healthPolicySchema = z
  .object(
    {
      path: z
        .string(fails('health path must be a path starting with "/"'))
        .startsWith('/', fails('health path must be a path starting with "/"'))
        .meta({ description: 'HTTP path probed on each instance.', default: DEFAULTS.health.path }),
      intervalSeconds: seconds('intervalSeconds', { allowZero: false, max: 3600 }).meta({ description: 'Seconds between two probes.', default: DEFAULTS.health.intervalSeconds }),
      timeoutSeconds: seconds('timeoutSeconds', { allowZero: false, max: 3600 }).meta({ description: 'A probe not answered within this many seconds fails.', default: DEFAULTS.health.timeoutSeconds }),
      healthyThreshold: threshold('healthyThreshold').meta({ description: 'Consecutive successful probes that make an instance ready.', default: DEFAULTS.health.healthyThreshold }),
      unhealthyThreshold: threshold('unhealthyThreshold').meta({
        description: 'Consecutive failed probes, after the grace period, that make an instance unhealthy.',
        default: DEFAULTS.health.unhealthyThreshold,
      }),
      gracePeriodSeconds: seconds('gracePeriodSeconds', { allowZero: true, max: 86400 }).meta({
        description: 'Failed probes this soon after an instance starts do not count (slow warm-ups).',
        default: DEFAULTS.health.gracePeriodSeconds,
      }),
    },
    {
      error: (issue) =>
        issue.code === 'unrecognized_keys' ? unknownKeysMessage('health', 'key', issue.keys, HEALTH_KEYS) : `health must be an object, got ${show(issue.input)}`,
    },
  )
  .meta({ title: 'Health-check policy' });

export type HealthPolicy = z.output<typeof healthPolicySchema>;

/** Checks a complete policy; keys it does not know are dropped, not refused (stored data may carry them). */
export function validateHealthPolicy(policy: HealthPolicy): HealthPolicy {
  return parseOrThrow(healthPolicySchema, policy);
}

/** A service's stored health settings (any subset, or nothing) with the defaults merged under them, checked. */
export function resolveHealthPolicy(raw: unknown): HealthPolicy {
  const given = raw === undefined || raw === null ? {} : withoutUndefined(raw);
  if (typeof given !== 'object' || given === null || Array.isArray(given)) {
    return parseOrThrow(healthPolicySchema, given);
  }
  return parseOrThrow(healthPolicySchema, { ...DEFAULTS.health, ...given });
}
