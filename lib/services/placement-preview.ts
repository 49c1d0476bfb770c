/**
 * Where a deployment's new instances will start, for its plan preview: asked of the
 * environment's runtime (only the fleet runtime places instances on hosts; others answer null).
 * The runtime acts on nothing to answer; a runtime that cannot answer now says so as the problem.
 */
import type { Plan } from '../engine';
import { getRuntime } from '../runtime/registry';
import type { PlacementPreview, Workload } from '../runtime/types';

/** The slots of the new version a plan starts, in order. */
export function newSlots(plan: Plan): number[] {
  const slots = plan.steps.flatMap((s) => (s.kind === 'start' ? s.instances.filter((i) => i.role === 'new').map((i) => i.slot) : []));
  return [...new Set(slots)].sort((a, b) => a - b);
}

export async function placementPreview(p: {
  service: { name: string; placement: unknown };
  environment: { name: string; runtime: unknown };
  plan: Plan;
}): Promise<PlacementPreview | null> {
  const runtime = getRuntime(p.environment);
  if (!runtime?.placementPreview) return null;
  const placement = (p.service.placement && typeof p.service.placement === 'object' ? p.service.placement : {}) as Workload['placement'];
  try {
    return await runtime.placementPreview(p.service.name, placement, newSlots(p.plan));
  } catch (e) {
    return { pool: placement?.pool ?? 'default', hosts: [], problem: `the runtime could not say: ${(e as Error).message}` };
  }
}
