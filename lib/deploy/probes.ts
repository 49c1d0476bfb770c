/**
 * Probe histories of the instances a deployment waits for, kept in memory per instance
 * incarnation (id and start time), so a restarted slot starts with a clean record; a worker
 * that takes a deployment over simply probes afresh. Each instance is probed at most once per
 * health interval.
 */
import type { HealthPolicy, Probe } from '../engine';
import type { InstanceStatus, Runtime } from '../runtime/types';

interface History {
  deploymentId: string;
  probes: Probe[];
  lastAt: number;
}

export class ProbeTracker {
  private readonly byIncarnation = new Map<string, History>();

  async observe(inst: InstanceStatus, o: { runtime: Runtime; policy: HealthPolicy; now: number; deploymentId: string }): Promise<Probe[]> {
    const key = `${inst.id}@${inst.startedAt}`;
    const h = this.byIncarnation.get(key) ?? { deploymentId: o.deploymentId, probes: [], lastAt: 0 };
    this.byIncarnation.set(key, h);
    if (inst.state === 'running' && o.now - h.lastAt >= o.policy.intervalSeconds * 1000) {
      const ok = await o.runtime.probe(inst.id, o.policy.path, o.policy.timeoutSeconds * 1000);
      h.probes = [...h.probes, { at: o.now, ok }].slice(-50);
      h.lastAt = o.now;
    }
    return h.probes;
  }

  /** Drop the histories a finished deployment kept. */
  forget(deploymentId: string): void {
    for (const [key, h] of this.byIncarnation) if (h.deploymentId === deploymentId) this.byIncarnation.delete(key);
  }
}

