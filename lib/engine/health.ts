/**
 * Instance health from its probe history.
 *
 * The grace period (default 60 s) exists for instances that take a while to warm up: a FAILED
 * probe inside it is ignored entirely — it neither counts toward the unhealthy threshold nor
 * resets a run of successes. A SUCCESSFUL probe inside it counts (an instance that is ready
 * early may take traffic early). After the grace period every probe counts.
 */
import type { HealthPolicy, InstanceHealth, Probe } from './types';
import { validateHealthPolicy } from './health-policy';

export { healthPolicySchema, resolveHealthPolicy, validateHealthPolicy } from './health-policy';

/**
 * How long an instance takes to become ready, assuming it comes up once and stays up and the
 * k-th probe runs k × interval after start:
 *  - min: it passes its first probes → healthyThreshold × interval;
 *  - max: the slowest instance that still succeeds → after the grace period it may fail
 *    unhealthyThreshold − 1 counted probes (one more would mark it unhealthy), then it must
 *    pass healthyThreshold in a row: grace + (unhealthyThreshold − 1 + healthyThreshold) × interval.
 * With the defaults (interval 5, thresholds 1/3, grace 60) that is 5 s .. 75 s.
 */
export function readinessSeconds(policy: HealthPolicy): { min: number; max: number } {
  validateHealthPolicy(policy);
  const { intervalSeconds: interval, healthyThreshold: h, unhealthyThreshold: u, gracePeriodSeconds: grace } = policy;
  return { min: h * interval, max: grace + (u - 1 + h) * interval };
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(1))} s`;
}

export function assessHealth(input: {
  probes: Probe[];
  startedAt: number;
  now: number;
  policy: HealthPolicy;
  exited?: boolean;
}): InstanceHealth {
  const policy = validateHealthPolicy(input.policy);
  const { healthyThreshold, unhealthyThreshold, gracePeriodSeconds } = policy;
  const graceEnds = input.startedAt + gracePeriodSeconds * 1000;
  const grace = `${gracePeriodSeconds} s grace period`;

  if (input.exited) {
    return { status: 'unhealthy', reason: 'the instance exited' };
  }

  // Array.prototype.sort is stable, so probes with equal timestamps keep their given order.
  const sorted = [...input.probes].sort((a, b) => a.at - b.at);
  const inGraceFailure = (p: Probe) => !p.ok && p.at < graceEnds;
  const ignored = sorted.filter(inGraceFailure).length;
  const counted = sorted.filter((p) => !inGraceFailure(p));

  // The run of identical results at the end of the counted probes decides.
  const last = counted[counted.length - 1];
  let run = 0;
  for (let i = counted.length - 1; i >= 0 && counted[i]?.ok === last?.ok; i--) run++;

  if (last?.ok === true && run >= healthyThreshold) {
    return {
      status: 'ready',
      reason: `${plural(run, 'consecutive successful probe')} (healthy threshold ${healthyThreshold}), the last ${seconds(
        last.at - input.startedAt,
      )} after start`,
    };
  }
  if (last?.ok === false && run >= unhealthyThreshold) {
    return {
      status: 'unhealthy',
      reason: `${plural(run, 'consecutive failed probe')} after the ${grace} (unhealthy threshold ${unhealthyThreshold})`,
    };
  }

  const parts: string[] = [];
  if (last === undefined) parts.push('no probe result yet');
  else if (last.ok) parts.push(`${run} of ${healthyThreshold} consecutive successful probes needed`);
  else parts.push(`${run} of ${unhealthyThreshold} consecutive failed probes that would mark it unhealthy`);
  if (input.now < graceEnds) {
    parts.push(`within the ${grace} (${seconds(input.now - input.startedAt)} since start)`);
  }
  if (ignored > 0) parts.push(`${plural(ignored, 'failed probe')} during the grace period ignored`);
  return { status: 'starting', reason: parts.join('; ') };
}
