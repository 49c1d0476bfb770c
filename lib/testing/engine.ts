/**
 * Helpers for the engine's unit tests: hooks to plan with, and a paper run of a plan that checks the safety properties every plan must have.
 */
import { expect } from 'vitest';
import type { Hooks, Plan, Step } from '../engine';

export const NO_HOOKS: Hooks = { pre: [], post: [] };

export const TWO_HOOKS: Hooks = {
  pre: [
    { name: 'migrate-db', type: 'command', command: 'migrate', timeoutSeconds: 120 },
    { name: 'warm-cache', type: 'http', url: 'http://localhost/warm' },
  ],
  post: [{ name: 'smoke-test', type: 'http', url: 'http://localhost/smoke', timeoutSeconds: 60 }],
};

export { appErrorOf, expectAppError } from './app-error';

export function kinds(steps: Step[]): string[] {
  return steps.map((s) => s.kind);
}

/**
 * Executes a plan on paper and checks the safety properties every plan must have:
 *  - no slot index ≥ replicas;
 *  - every new slot is started exactly once and is ready before it is routed;
 *  - every old slot is stopped exactly once when there is an old version (never otherwise),
 *    and only once it no longer receives traffic;
 *  - pre hooks come before any instance starts, post hooks after the last traffic change;
 *  - the plan ends with all traffic on the new version.
 * Returns the peak number of running instances and the lowest number in rotation.
 */
export function simulate(plan: Plan, hasOld: boolean): { peakRunning: number; minInRotation: number } {
  const { replicas, steps } = plan;
  const running = { old: new Set<number>(hasOld ? [...Array(replicas).keys()] : []), new: new Set<number>() };
  const ready = new Set<number>();
  const started = new Set<number>();
  const stopped = new Set<number>();
  let rotation: { old: number[]; new: number[] } | { weight: number } = hasOld
    ? { old: [...Array(replicas).keys()], new: [] }
    : { old: [], new: [] };
  let peakRunning = running.old.size;
  let minInRotation = hasOld ? replicas : Infinity;
  const firstStart = steps.findIndex((s) => s.kind === 'start');
  const lastRoute = steps.map((s) => s.kind).lastIndexOf('route');

  const receivesTraffic = (slot: number): boolean =>
    'weight' in rotation ? rotation.weight < 100 : rotation.old.includes(slot);

  steps.forEach((step, i) => {
    if (step.kind === 'hook') {
      if (step.phase === 'pre') expect(firstStart === -1 || i < firstStart, `pre hook at ${i}`).toBe(true);
      else expect(i > lastRoute, `post hook at ${i} before the last route ${lastRoute}`).toBe(true);
    }
    if ('instances' in step) {
      for (const ref of step.instances) {
        expect(ref.slot).toBeGreaterThanOrEqual(0);
        expect(ref.slot).toBeLessThan(replicas);
      }
    }
    if (step.kind === 'start') {
      for (const ref of step.instances) {
        expect(ref.role).toBe('new');
        expect(started.has(ref.slot), `new slot ${ref.slot} started twice`).toBe(false);
        started.add(ref.slot);
        running.new.add(ref.slot);
      }
    }
    if (step.kind === 'await_ready') {
      for (const ref of step.instances) {
        expect(running.new.has(ref.slot)).toBe(true);
        ready.add(ref.slot);
      }
    }
    if (step.kind === 'drain_stop') {
      for (const ref of step.instances) {
        expect(ref.role).toBe('old');
        expect(hasOld).toBe(true);
        expect(stopped.has(ref.slot), `old slot ${ref.slot} stopped twice`).toBe(false);
        expect(receivesTraffic(ref.slot), `old slot ${ref.slot} stopped while in rotation`).toBe(false);
        stopped.add(ref.slot);
        running.old.delete(ref.slot);
      }
    }
    if (step.kind === 'route') {
      if (step.route.mode === 'weights') {
        // Weighted traffic to the new version goes to its ready instances: there must be some.
        if (step.route.newWeight > 0) expect(ready.size).toBeGreaterThan(0);
        rotation = { weight: step.route.newWeight };
      } else {
        for (const slot of step.route.new) expect(ready.has(slot), `new slot ${slot} routed before ready`).toBe(true);
        for (const slot of step.route.old) expect(running.old.has(slot)).toBe(true);
        rotation = { old: [...step.route.old], new: [...step.route.new] };
        minInRotation = Math.min(minInRotation, step.route.old.length + step.route.new.length);
      }
    }
    peakRunning = Math.max(peakRunning, running.old.size + running.new.size);
  });

  expect([...started].sort((a, b) => a - b)).toEqual([...Array(replicas).keys()]);
  expect([...stopped].sort((a, b) => a - b)).toEqual(hasOld ? [...Array(replicas).keys()] : []);
  expect(rotation).toEqual('weight' in rotation ? { weight: 100 } : { old: [], new: [...Array(replicas).keys()] });
  return { peakRunning, minInRotation };
}
