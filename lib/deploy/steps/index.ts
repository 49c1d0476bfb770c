/** One executor per step kind; the loop picks by kind and never knows what a step does. */
import type { Step } from '../../engine';
import type { Executor, Outcome, StepContext } from '../context';
import { analysis } from './analysis';
import { hook } from './hook';
import { awaitReady, drainStop, keepWarm, start } from './instances';
import { route } from './route';
import { delay, hold } from './wait';
import { verify } from './verify';

const EXECUTORS: { [K in Step['kind']]: Executor<Extract<Step, { kind: K }>> } = {
  hook,
  start,
  await_ready: awaitReady,
  route,
  drain_stop: drainStop,
  analysis,
  hold,
  delay,
  keep_warm: keepWarm,
  verify,
};

export function execute(step: Step, ctx: StepContext): Promise<Outcome> {
  return (EXECUTORS[step.kind] as Executor)(step, ctx);
}
