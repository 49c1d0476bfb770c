/**
 * The environment's runtime asked, before anything is applied, whether it can run a version:
 * the required config keys against everything that provides them there (a Kubernetes version's
 * ConfigMaps and Secrets), and whatever else it would refuse. Its answer joins the plan
 * preview's preflight; the deployment itself is refused on it. A runtime without a preflight
 * leaves the check to the version's own config, as before.
 */
import type { Plan } from '../engine';
import { getRuntime, type EnvironmentTarget } from '../runtime/registry';
import { isRuntimeFault, type WorkloadHealth } from '../runtime/types';
import { buildWorkload } from '../runtime/workload';

export interface RuntimeCheck {
  /** Required keys nothing provides, as the runtime sees it; null: the runtime has no preflight. */
  missingConfigKeys: string[] | null;
  /** What the runtime would refuse (no image, a ConfigMap that does not exist…). */
  problems: string[];
  warnings: string[];
  /** The runtime could not complete its preflight (the cluster did not answer…): why. */
  unavailable: string | null;
}

export interface RuntimeCheckInput {
  environment: EnvironmentTarget;
  service: { name: string; template: unknown; requiredConfigKeys: string[] };
  health: WorkloadHealth;
  version: { id: string; semver: string; artifact: unknown; config: unknown };
  plan: Plan;
}

/**
 * Each canary weight as the share of pods it becomes when the runtime can only split traffic by
 * the ratio of ready pods: "10 % → 1 of 5 pods (20 %)".
 */
export function podRatios(plan: Plan, hasOld: boolean): string[] {
  let fresh = 0;
  let old = hasOld ? plan.replicas : 0;
  const out: string[] = [];
  for (const step of plan.steps) {
    if (step.kind === 'start') fresh += step.instances.filter((i) => i.role === 'new').length;
    if (step.kind === 'drain_stop') old -= step.instances.filter((i) => i.role === 'old').length;
    if (step.kind === 'route' && step.route.mode === 'weights' && step.route.newWeight < 100 && old > 0) {
      const pods = fresh + old;
      out.push(`${step.route.newWeight} % → ${fresh} of ${pods} pods (${Math.round((fresh / pods) * 100)} %)`);
    }
  }
  return out;
}

export async function checkWithRuntime(input: RuntimeCheckInput): Promise<RuntimeCheck> {
  const runtime = getRuntime(input.environment);
  const none: RuntimeCheck = { missingConfigKeys: null, problems: [], warnings: [], unavailable: null };
  if (!runtime) return none;
  const warnings: string[] = [];
  const note = runtime.trafficNote?.() ?? null;
  const hasOld = input.plan.steps.some((s) => s.kind === 'drain_stop' && s.instances.some((i) => i.role === 'old'));
  const ratios = input.plan.strategy === 'canary' ? podRatios(input.plan, hasOld) : [];
  if (note && ratios.length) warnings.push(`Canary weights in ${input.environment.name} are approximated by replica ratio: ${ratios.join(', ')}.`);
  if (!runtime.preflight) return { ...none, warnings };
  const workload = buildWorkload({
    service: { name: input.service.name, template: input.service.template, health: input.health },
    version: input.version,
    environment: input.environment.name,
    deploymentId: '',
  });
  try {
    const r = await runtime.preflight(workload, { requiredConfigKeys: input.service.requiredConfigKeys, strategy: input.plan.strategy });
    return { missingConfigKeys: r.missingConfigKeys, problems: r.problems, warnings: [...warnings, ...r.warnings], unavailable: null };
  } catch (e) {
    if (!isRuntimeFault(e)) throw e;
    // Nothing is known about the keys: the deployment is refused for that, not for keys that may well be there.
    return { missingConfigKeys: [], problems: [], warnings, unavailable: e.message };
  }
}
