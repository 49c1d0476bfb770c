/**
 * Gates a deployment passes before it may start, each judged from facts handed in (no I/O, time
 * as an argument):
 *  - promotion: a version reaches an environment only after it succeeded in the one before and
 *    then ran there for that environment's soak time without being rolled back or marked bad;
 *  - freeze: no deploy or promotion while a freeze window covers the environment and service;
 *  - error budget: no deploy while the service's budget is spent, when the service asks for it;
 *  - approval: a protected environment needs approvals from people other than the requester
 *    (it does not refuse: the deployment waits for them).
 * Rollbacks pass every gate (an incident must not be blocked); every gate but approval can be
 * overridden by an admin with a reason, which is recorded.
 */

export type GateName = 'promotion' | 'freeze' | 'error_budget' | 'approval';

export interface Gate {
  gate: GateName;
  met: boolean;
  /** An unmet blocking gate refuses the deployment (409); approval is not blocking: it makes it wait. */
  blocking: boolean;
  /** An admin may deploy through it with a reason. */
  overridable: boolean;
  message: string;
  /** Gate-specific facts for programs (soak minutes, window end…). */
  details: Record<string, unknown>;
}

// ------------------------------------------------------------------ promotion

export interface HistoryStint {
  /** epoch ms the version started serving there */
  from: number;
  /** epoch ms it stopped (null while live) */
  until: number | null;
  /** How the stint ended: replaced by a normal deployment, or rolled back. */
  endedBy: 'deploy' | 'rollback' | null;
}

export function promotionGate(input: {
  version: string;
  /** The environment before the target, or null when the target is the first. */
  predecessor: { name: string; soakMinutes: number } | null;
  /** The version's stints in the predecessor, oldest first. */
  stints: HistoryStint[];
  versionBad: boolean;
  now: number;
}): Gate {
  const base = { gate: 'promotion' as const, blocking: true, overridable: true };
  const v = `v${input.version}`;
  const pred = input.predecessor;
  if (!pred) return { ...base, met: true, message: 'first environment: no promotion needed', details: {} };
  if (input.versionBad) {
    return { ...base, met: false, message: `${v} is marked bad, so it cannot be promoted from ${pred.name}`, details: { environment: pred.name } };
  }
  const last = input.stints.at(-1);
  if (!last) {
    return { ...base, met: false, message: `${v} has not succeeded in ${pred.name} yet`, details: { environment: pred.name, soakedMinutes: 0, soakMinutes: pred.soakMinutes } };
  }
  if (last.endedBy === 'rollback') {
    return { ...base, met: false, message: `${v} was rolled back in ${pred.name}`, details: { environment: pred.name } };
  }
  // Never negative: the worker that recorded `from` may run on a clock slightly ahead of this one.
  const soakedMinutes = Math.max(0, Math.floor(((last.until ?? input.now) - last.from) / 60_000));
  const details = { environment: pred.name, soakedMinutes, soakMinutes: pred.soakMinutes };
  if (soakedMinutes < pred.soakMinutes) {
    return { ...base, met: false, message: `${v} has soaked ${soakedMinutes} of ${pred.soakMinutes} min in ${pred.name}`, details };
  }
  return {
    ...base,
    met: true,
    message: pred.soakMinutes > 0 ? `${v} succeeded in ${pred.name} and soaked ${soakedMinutes} min (≥ ${pred.soakMinutes})` : `${v} succeeded in ${pred.name}`,
    details,
  };
}

// ------------------------------------------------------------------ freeze windows

export interface Interval {
  start: number;
  end: number;
}

/** Overlapping or touching intervals become one; the result is sorted. */
export function mergeIntervals<T extends Interval>(intervals: T[]): Array<Interval & { parts: T[] }> {
  const sorted = [...intervals].filter((i) => i.end > i.start).sort((a, b) => a.start - b.start || a.end - b.end);
  const out: Array<Interval & { parts: T[] }> = [];
  for (const i of sorted) {
    const last = out.at(-1);
    if (last && i.start <= last.end) {
      last.end = Math.max(last.end, i.end);
      last.parts.push(i);
    } else {
      out.push({ start: i.start, end: i.end, parts: [i] });
    }
  }
  return out;
}

export interface FreezeOccurrence extends Interval {
  windowId: string;
  reason: string;
}

/**
 * The freeze gate from the occurrences of every window that applies to this environment and
 * service. When several overlap, the freeze lasts until the end of the merged period.
 */
export function freezeGate(occurrences: FreezeOccurrence[], now: number): Gate {
  const base = { gate: 'freeze' as const, blocking: true, overridable: true };
  const period = mergeIntervals(occurrences).find((p) => p.start <= now && now < p.end);
  if (!period) return { ...base, met: true, message: 'no freeze window is open', details: {} };
  const reasons = [...new Set(period.parts.map((p) => p.reason))];
  const ends = new Date(period.end).toISOString();
  return {
    ...base,
    met: false,
    message: `frozen until ${ends}: ${reasons.join('; ')}`,
    details: { windows: [...new Set(period.parts.map((p) => p.windowId))], reasons, endsAt: ends },
  };
}

// ------------------------------------------------------------------ approvals

export interface Decision {
  actor: string;
  decision: 'approved' | 'rejected';
}

export function approvalGate(input: { protectedEnv: boolean; environment: string; required: number; requester: string }): Gate {
  const base = { gate: 'approval' as const, blocking: false, overridable: false };
  if (!input.protectedEnv || input.required <= 0) return { ...base, met: true, message: `${input.environment} needs no approval`, details: { required: 0 } };
  return {
    ...base,
    met: false,
    message: `${input.environment} is protected: the deployment waits for ${input.required} approval${input.required === 1 ? '' : 's'} from approvers other than ${input.requester}`,
    details: { required: input.required },
  };
}

/** Where a waiting deployment stands: how many distinct approvals it has and whether that is enough. */
export function approvalTally(required: number, decisions: Decision[]): { approvals: number; approvers: string[]; enough: boolean; rejectedBy: string | null } {
  const approvers = [...new Set(decisions.filter((d) => d.decision === 'approved').map((d) => d.actor))];
  const rejected = decisions.find((d) => d.decision === 'rejected');
  return { approvals: approvers.length, approvers, enough: approvers.length >= required, rejectedBy: rejected?.actor ?? null };
}
