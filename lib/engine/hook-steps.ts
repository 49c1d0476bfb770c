/** The hook steps every planner puts around its instance and traffic steps. */
import type { Hooks, Step } from './types';

/** One `hook` step per hook of the phase, in declared order. */
export function hookSteps(hooks: Hooks, phase: 'pre' | 'post'): Step[] {
  return hooks[phase].map((hook, index) => ({ kind: 'hook', phase, index, name: hook.name }));
}
