/**
 * A service's rollback settings:
 *  - the warm rollback window: after a deployment that replaced a version succeeds, that
 *    version's instances (all, or a fraction) stay running out of rotation for this long, so a
 *    rollback inside it only moves traffic (0 turns it off);
 *  - post-promotion analysis: the new version at 100 % is analysed for a window before the
 *    deployment succeeds, against the previous version's figures from before the deployment.
 */
import { z } from 'zod';
import { DEFAULTS } from './constants';
import { parseParams } from './validate';

export const rollbackPolicySchema = z
  .strictObject({
    warmWindowMinutes: z
      .number()
      .int('warmWindowMinutes must be a whole number of minutes')
      .min(0, 'warmWindowMinutes must be ≥ 0 (0 turns the warm window off)')
      .max(1440, 'warmWindowMinutes must be at most 1440 (a day)')
      .optional()
      .meta({ description: 'How long the previous version stays running out of rotation after a deployment succeeds (default 15; 0 = off).' }),
    warmFraction: z
      .number()
      .gt(0, 'warmFraction must be more than 0')
      .max(1, 'warmFraction must be at most 1 (all instances)')
      .optional()
      .meta({ description: 'Share of the previous version’s instances kept warm (default 1: all of them; at least one).' }),
    postPromotionAnalysis: z
      .strictObject({
        windowSeconds: z.number().int().min(10, 'postPromotionAnalysis.windowSeconds must be at least 10').max(86_400),
        minSamples: z.number().int().min(1).optional(),
      })
      .optional()
      .meta({ description: "Analyse the new version at 100 % for this window before the deployment succeeds; harm rolls back at once." }),
  })
  .meta({ title: 'Rollback policy' });

export type RollbackPolicyInput = z.input<typeof rollbackPolicySchema>;

export interface RollbackPolicy {
  warmWindowMinutes: number;
  warmFraction: number;
  postPromotion: { windowSeconds: number; minSamples: number } | null;
}

/** The policy with every default applied. Throws AppError('invalid') naming a bad field. */
export function resolveRollbackPolicy(raw: unknown): RollbackPolicy {
  const p = parseParams(rollbackPolicySchema, raw);
  return {
    warmWindowMinutes: p.warmWindowMinutes ?? DEFAULTS.warmWindowMinutes,
    warmFraction: p.warmFraction ?? 1,
    postPromotion: p.postPromotionAnalysis
      ? { windowSeconds: p.postPromotionAnalysis.windowSeconds, minSamples: p.postPromotionAnalysis.minSamples ?? DEFAULTS.canaryMinSamples }
      : null,
  };
}

/** Old instances kept warm: the fraction of replicas, rounded up, at least one. */
export function warmSlotCount(replicas: number, fraction: number): number {
  return Math.min(replicas, Math.max(1, Math.ceil(replicas * fraction - 1e-9)));
}

/**
 * What a deployment's plan keeps of the version it replaces, from the policy: nothing for a
 * first deployment or a rollback (the version rolled back from is bad; keeping it is pointless).
 */
export function planExtras(policy: RollbackPolicy, replicas: number, args: { hasOld: boolean; kind: 'deploy' | 'rollback' }) {
  if (!args.hasOld || args.kind === 'rollback') return {};
  return {
    ...(policy.warmWindowMinutes > 0 ? { warm: { slots: warmSlotCount(replicas, policy.warmFraction), seconds: policy.warmWindowMinutes * 60 } } : {}),
    ...(policy.postPromotion ? { verify: policy.postPromotion } : {}),
  };
}
