/**
 * A step in words. One description per step, used by the plan preview, the deployment's phase
 * and timeline, and the panel's list of steps, so people read the same sentence everywhere.
 */
import type { HookPhase, Plan, RouteSpec, Step } from './types';
import { HOOK_PHASES } from './hook-schema';
import { range } from './validate';

/** [3] → "slot 3"; [0,1,2] → "slots 0–2"; [0,2,5] → "slots 0, 2, 5". */
export function slotsText(slots: number[]): string {
  const sorted = [...slots].sort((a, b) => a - b);
  const first = sorted[0];
  const last = sorted[sorted.length - 1];
  if (first === undefined || last === undefined) return 'no slots';
  if (sorted.length === 1) return `slot ${first}`;
  const contiguous = last - first === sorted.length - 1;
  return `slots ${contiguous ? `${first}–${last}` : sorted.join(', ')}`;
}

function instancesText(step: { instances: Array<{ role: 'old' | 'new'; slot: number }> }): string {
  const parts: string[] = [];
  for (const role of ['new', 'old'] as const) {
    const slots = step.instances.filter((i) => i.role === role).map((i) => i.slot);
    if (slots.length > 0) parts.push(`${role} instance ${slotsText(slots)}`);
  }
  return parts.join(' and ');
}

function routeText(route: RouteSpec, strategy: Plan['strategy']): string {
  if (route.mode === 'weights') {
    if (route.newWeight === 100) {
      return strategy === 'blue-green' || strategy === 'recreate'
        ? 'Switch all traffic to the new version in one atomic change'
        : 'Shift 100% of traffic to the new version';
    }
    if (route.newWeight === 0) return 'Switch all traffic back to the old version in one atomic change';
    return `Shift ${route.newWeight}% of traffic to the new version (${100 - route.newWeight}% stays on the old)`;
  }
  if (route.old.length === 0 && route.new.length === 0) return 'Take every instance out of rotation (nothing serves)';
  const parts: string[] = [];
  if (route.old.length > 0) parts.push(`old instance ${slotsText(route.old)}`);
  if (route.new.length > 0) parts.push(`new instance ${slotsText(route.new)}`);
  return `Route traffic to ${parts.join(' and ')}`;
}

const HOOK_WORDS: Record<HookPhase, string> = {
  pre: 'Pre-deploy hook',
  post: 'Post-deploy hook',
  pre_rollback: 'Pre-rollback hook',
  post_rollback: 'Post-rollback hook',
  migration_down: 'Migration down hook',
};

function minutes(seconds: number): string {
  return seconds % 60 === 0 ? `${seconds / 60} min` : `${seconds} s`;
}

function sentence(step: Step, plan: Pick<Plan, 'strategy' | 'weights'>, hookCounts: Record<HookPhase, number>): string {
  switch (step.kind) {
    case 'hook':
      return `${HOOK_WORDS[step.phase]} ${step.index + 1}/${hookCounts[step.phase]}: ${step.name}${step.blocking === false ? ' (a failure is recorded and alerted, never blocking)' : ''}`;
    case 'start':
      return `Start ${instancesText(step)}`;
    case 'await_ready':
      return `Wait until ${instancesText(step)} ${step.instances.length === 1 ? 'is' : 'are'} ready`;
    case 'route':
      return routeText(step.route, plan.strategy);
    case 'drain_stop':
      return `Drain and stop ${instancesText(step)}`;
    case 'analysis': {
      const total = plan.weights ? plan.weights.filter((w) => w < 100).length : step.canaryStep + 1;
      return `Analyse canary step ${step.canaryStep + 1}/${Math.max(total, step.canaryStep + 1)} at ${step.weight}%: at least ${
        step.windowSeconds
      } s and ${step.minSamples} requests per cohort; abort early on significant harm`;
    }
    case 'hold':
      return `Hold: ${step.reason}`;
    case 'delay':
      return `Wait ${step.seconds} s: ${step.reason}`;
    case 'keep_warm':
      return `Keep ${instancesText(step)} running out of rotation for ${minutes(step.seconds)} (instant rollback), stop any other old instance`;
    case 'verify':
      return `Analyse the new version at 100% for ${step.windowSeconds} s against the previous version's figures (at least ${step.minSamples} requests); roll back at once on harm`;
  }
}

export interface StepDescription {
  text: string;
  /** Rolling only: the 1-based batch the step belongs to. */
  batch?: number;
}

/**
 * Every step of `steps` (the plan's own by default) in words; rolling steps are prefixed with
 * their batch ("Batch 2/3: start new instance slot 1"). A route belongs to the batch whose slots
 * it adds or removes, so the pass keeps track of what is in rotation.
 */
export function describeSteps(plan: Pick<Plan, 'strategy' | 'replicas' | 'weights' | 'batches' | 'steps'>, steps: Step[] = plan.steps): StepDescription[] {
  const hookCounts = Object.fromEntries(HOOK_PHASES.map((phase) => [phase, steps.filter((s) => s.kind === 'hook' && s.phase === phase).length])) as Record<HookPhase, number>;
  const batchOfSlot = new Map<number, number>();
  plan.batches?.forEach((batch, b) => batch.forEach((slot) => batchOfSlot.set(slot, b + 1)));
  const hasOld = steps.some((s) => (s.kind === 'drain_stop' || s.kind === 'keep_warm') && s.instances.some((i) => i.role === 'old'));
  let rotation = { old: new Set(hasOld ? range(plan.replicas) : []), new: new Set<number>() };
  const batchOf = (step: Step): number | undefined => {
    if (!plan.batches) return undefined;
    if (step.kind === 'start' || step.kind === 'await_ready' || step.kind === 'drain_stop') {
      const first = step.instances[0];
      return first ? batchOfSlot.get(first.slot) : undefined;
    }
    if (step.kind === 'route' && step.route.mode === 'instances') {
      const now = { old: new Set(step.route.old), new: new Set(step.route.new) };
      const changed = [...[...rotation.old].filter((s) => !now.old.has(s)), ...[...now.new].filter((s) => !rotation.new.has(s))].sort((a, b) => a - b);
      rotation = now;
      return changed[0] === undefined ? undefined : batchOfSlot.get(changed[0]);
    }
    return undefined;
  };
  const total = plan.batches?.length ?? 0;
  return steps.map((step) => {
    const text = sentence(step, plan, hookCounts);
    const batch = batchOf(step);
    if (batch === undefined) return { text };
    return { text: `Batch ${batch}/${total}: ${text.charAt(0).toLowerCase()}${text.slice(1)}`, batch };
  });
}

/** A traffic change as it happened, with the versions' names: "10% of traffic to v2.3.0, 90% to v2.2.0". */
export function describeTrafficChange(route: RouteSpec, versions: { to: string; from: string | null }): string {
  const to = `v${versions.to}`;
  const from = versions.from ? `v${versions.from}` : 'nothing';
  if (route.mode === 'weights') {
    if (route.newWeight === 100) return `All traffic to ${to}`;
    if (route.newWeight === 0) return `All traffic back to ${from}`;
    return `${route.newWeight}% of traffic to ${to}, ${100 - route.newWeight}% to ${from}`;
  }
  if (route.old.length === 0 && route.new.length === 0) return 'Every instance out of rotation: nothing serves';
  return `Traffic to ${route.new.length} instance(s) of ${to} and ${route.old.length} of ${from}`;
}

/** A deployment's failure reason when its canary analysis aborted it: the engine's verdict, prefixed. */
export function canaryFailureReason(verdictReason: string): string {
  return `canary analysis failed: ${verdictReason}`;
}

/** The metric a canary failure reason names first (a verdict's reason begins "<metric>: …"); null for any other reason. */
export function failedCanaryMetric(reason: string): string | null {
  return /^canary analysis failed: ([^:]+):/.exec(reason)?.[1] ?? null;
}
