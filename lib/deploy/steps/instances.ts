/**
 * Instance steps: start slots of a version, wait for them to be ready, drain and stop them, keep
 * some warm for the rollback window.
 * Each is level-triggered: the step computes the version's desired slots from what runs now
 * and hands them to the runtime, so running it twice changes nothing the second time.
 */
import type { InstanceRef, Role, Step } from '../../engine';
import type { InstanceStatus } from '../../runtime/types';
import { versionOf, workloadOf, type Executor, type StepContext } from '../context';
import { checkReady } from '../readiness';
import { openWindow } from '../warm';

type InstanceStep<K extends Step['kind']> = Extract<Step, { kind: K }>;

const ROLES: Role[] = ['old', 'new'];

function slotsOf(refs: InstanceRef[], role: Role): number[] {
  return refs.filter((r) => r.role === role).map((r) => r.slot);
}

/** Set each role's slots to `change(current slots, the step's slots)`. */
async function rescale(ctx: StepContext, refs: InstanceRef[], change: (current: number[], step: number[]) => number[]): Promise<InstanceStatus[]> {
  const before = await ctx.runtime.list(ctx.d.service.name);
  for (const role of ROLES) {
    const slots = slotsOf(refs, role);
    if (slots.length === 0) continue;
    const workload = workloadOf(ctx.d, role);
    const current = before.filter((i) => i.versionId === workload.versionId).map((i) => i.slot);
    const desired = [...new Set(change(current, slots))].sort((a, b) => a - b);
    await ctx.runtime.scale(ctx.fence, workload, desired, ctx.drainTimeoutMs);
  }
  return before;
}

function named(ctx: StepContext, refs: InstanceRef[], instances: InstanceStatus[]): InstanceStatus[] {
  return refs.flatMap((r) => instances.filter((i) => i.versionId === versionOf(ctx.d, r.role)?.id && i.slot === r.slot));
}

function versionsText(ctx: StepContext, refs: InstanceRef[]): string {
  return ROLES.filter((role) => slotsOf(refs, role).length > 0)
    .map((role) => `v${versionOf(ctx.d, role)?.semver ?? '?'}`)
    .join(' and ');
}

export const start: Executor<InstanceStep<'start'>> = async (step, ctx) => {
  await rescale(ctx, step.instances, (current, wanted) => [...current, ...wanted]);
  const started = named(ctx, step.instances, await ctx.runtime.list(ctx.d.service.name));
  return {
    kind: 'advance',
    events: [
      {
        type: 'instances_started',
        message: `Started ${started.length} instance(s) of ${versionsText(ctx, step.instances)}: ${started.map((i) => i.id).join(', ')}`,
        data: { instances: started.map((i) => ({ id: i.id, slot: i.slot, version: i.semver, host: i.host ?? null })) },
      },
    ],
  };
};

export const awaitReady: Executor<InstanceStep<'await_ready'>> = async (step, ctx) => {
  const r = await checkReady(ctx, step.instances);
  if (r.status === 'ready') {
    const ids = r.instances.map((i) => i.id);
    return {
      kind: 'advance',
      events: [{ type: 'instances_ready', message: `${ids.length} instance(s) of ${versionsText(ctx, step.instances)} ready: ${ids.join(', ')}`, data: { instances: ids } }],
    };
  }
  if (r.status === 'unhealthy') {
    return { kind: 'fail', reason: r.reason, markBad: true, events: [{ type: 'instance_unhealthy', message: r.reason, data: { instance: r.instance } }] };
  }
  return { kind: 'wait', ms: r.waitMs };
};

export const drainStop: Executor<InstanceStep<'drain_stop'>> = async (step, ctx) => {
  const before = await rescale(ctx, step.instances, (current, gone) => current.filter((s) => !gone.includes(s)));
  const stopped = named(ctx, step.instances, before);
  return {
    kind: 'advance',
    events: [
      {
        type: 'instances_stopped',
        message: `Drained and stopped ${stopped.length} instance(s) of ${versionsText(ctx, step.instances)}`,
        data: { instances: stopped.map((i) => i.id) },
      },
    ],
  };
};

/**
 * The warm rollback window: the old version keeps exactly the step's slots (already out of
 * rotation), the others drain and stop, and the window is recorded with the step's end — so
 * a rollback planned before the window ends finds the instances and only moves traffic.
 */
export const keepWarm: Executor<InstanceStep<'keep_warm'>> = async (step, ctx) => {
  const keep = slotsOf(step.instances, 'old');
  const before = await rescale(ctx, step.instances, () => keep);
  const old = ctx.d.fromVersion!;
  const stopped = before.filter((i) => i.versionId === old.id && !keep.includes(i.slot));
  const until = ctx.now + step.seconds * 1000;
  return {
    kind: 'advance',
    events: [
      {
        type: 'warm_window_opened',
        message: `v${old.semver} stays warm out of rotation (${keep.length} instance(s)) until ${new Date(until).toISOString()}: a rollback before then only moves traffic${
          stopped.length ? `; stopped ${stopped.length} other instance(s)` : ''
        }`,
        data: { version: old.semver, slots: keep, until: new Date(until).toISOString(), stopped: stopped.map((i) => i.id) },
      },
    ],
    extra: (tx) => openWindow(tx, ctx.d, keep, ctx.now, step.seconds),
  };
};
