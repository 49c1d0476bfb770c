/**
 * Readiness of the instances a step waits for: each is probed at most once per health
 * interval (probes.ts), and the engine judges its probe history (grace period, thresholds).
 */
import { assessHealth, type InstanceRef } from '../engine';
import type { InstanceStatus } from '../runtime/types';
import { versionOf, type StepContext } from './context';

export type Readiness =
  | { status: 'ready'; instances: InstanceStatus[] }
  | { status: 'unhealthy'; instance: string; reason: string }
  | { status: 'starting'; waitMs: number; waiting: string[] };

/** Are the instances these refs name ready? The first unhealthy one decides; otherwise any still starting. */
export async function checkReady(ctx: StepContext, refs: InstanceRef[]): Promise<Readiness> {
  const all = await ctx.runtime.list(ctx.d.service.name);
  const found: InstanceStatus[] = [];
  const waiting: string[] = [];
  for (const ref of refs) {
    const version = versionOf(ctx.d, ref.role);
    const inst = all.find((i) => i.versionId === version?.id && i.slot === ref.slot);
    if (!inst) return { status: 'unhealthy', instance: `slot ${ref.slot}`, reason: `the ${ref.role} version's instance for slot ${ref.slot} is not running` };
    found.push(inst);
    const probes = await ctx.probes.observe(inst, { runtime: ctx.runtime, policy: ctx.d.service.health, now: ctx.now, deploymentId: ctx.d.id });
    const health = assessHealth({ probes, startedAt: inst.startedAt, now: ctx.now, policy: ctx.d.service.health, exited: inst.state === 'exited' });
    if (health.status === 'unhealthy') {
      const why = inst.state === 'exited' && inst.exitReason ? inst.exitReason : inst.reason ? `${inst.reason}: ${health.reason}` : health.reason;
      return { status: 'unhealthy', instance: inst.id, reason: `instance ${inst.id} is unhealthy: ${why}` };
    }
    if (health.status !== 'ready') waiting.push(inst.reason ? `${inst.id} (${inst.reason})` : inst.id);
  }
  if (waiting.length === 0) return { status: 'ready', instances: found };
  return { status: 'starting', waitMs: ctx.d.service.health.intervalSeconds * 1000, waiting };
}
