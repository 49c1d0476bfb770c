/**
 * Readiness of the instances a step waits for: each is probed at most once per health
 * interval, and the engine judges its probe history (grace period, thresholds). Histories are
 * kept in memory per instance incarnation (id and start time), so a restarted slot starts
 * with a clean record; a worker that takes a deployment over simply probes afresh.
 */
import { assessHealth, type InstanceRef, type Probe } from '../engine';
import type { InstanceStatus } from '../runtime/types';
import { versionOf, type StepContext } from './context';

interface History {
  deploymentId: string;
  probes: Probe[];
  lastAt: number;
}

export class ProbeTracker {
  private readonly byIncarnation = new Map<string, History>();

  async observe(ctx: StepContext, inst: InstanceStatus): Promise<Probe[]> {
    const key = `${inst.id}@${inst.startedAt}`;
    const policy = ctx.d.service.health;
    const h = this.byIncarnation.get(key) ?? { deploymentId: ctx.d.id, probes: [], lastAt: 0 };
    this.byIncarnation.set(key, h);
    if (inst.state === 'running' && ctx.now - h.lastAt >= policy.intervalSeconds * 1000) {
      const ok = await ctx.runtime.probe(inst.id, policy.path, policy.timeoutSeconds * 1000);
      h.probes = [...h.probes, { at: ctx.now, ok }].slice(-50);
      h.lastAt = ctx.now;
    }
    return h.probes;
  }

  /** Drop the histories a finished deployment kept. */
  forget(deploymentId: string): void {
    for (const [key, h] of this.byIncarnation) if (h.deploymentId === deploymentId) this.byIncarnation.delete(key);
  }
}

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
    const probes = await ctx.probes.observe(ctx, inst);
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
