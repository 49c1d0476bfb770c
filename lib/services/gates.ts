/**
 * The gates a deployment passes before it is queued — promotion (success and soak in the
 * environment before), freeze windows, the error budget, approvals — gathered from the database
 * and judged by the engine. A refusal is a 409 naming every unmet gate; an admin may deploy
 * through them with a reason, recorded on the deployment and in the audit log. Rollbacks pass
 * every gate: an incident must never wait.
 */
import { AppError } from '../errors/app-error';
import type { Db } from '../db/client';
import type { Tx } from '../events/append';
import { approvalGate, freezeGate, promotionGate, type Gate, type HistoryStint } from '../engine';
import { budgetOf } from './error-budget';
import { predecessorOf, type EnvironmentRow } from './environments';
import { freezesFor } from './freeze-windows';

type DbOrTx = Db | Tx;

export interface GateSubject {
  service: { id: string; name: string; budgetFreeze: boolean; sloAvailability: number };
  version: { id: string; semver: string; bad: boolean };
  environment: EnvironmentRow;
  kind: 'deploy' | 'rollback';
  requester: string;
  now: number;
}

/** The version's stints in an environment, oldest first, each with how it ended. */
export async function stintsOf(db: DbOrTx, serviceId: string, environmentId: string, versionId: string): Promise<HistoryStint[]> {
  const rows = await db.releaseHistory.findMany({
    where: { serviceId, environmentId },
    orderBy: { from: 'asc' },
    include: { deployment: { select: { kind: true } } },
  });
  return rows.flatMap((r, i) => {
    if (r.versionId !== versionId) return [];
    const next = rows[i + 1];
    const endedBy: HistoryStint['endedBy'] = r.until === null ? null : next?.deployment?.kind === 'rollback' ? 'rollback' : 'deploy';
    return [{ from: r.from.getTime(), until: r.until?.getTime() ?? null, endedBy }];
  });
}

export async function evaluateGates(db: DbOrTx, s: GateSubject): Promise<Gate[]> {
  if (s.kind === 'rollback') return [];
  const gates: Gate[] = [];
  // One query at a time: `db` may be a transaction, which has a single connection.
  const predecessor = await predecessorOf(db, s.environment);
  const stints = predecessor ? await stintsOf(db, s.service.id, predecessor.id, s.version.id) : [];
  gates.push(promotionGate({ version: s.version.semver, predecessor, stints, versionBad: s.version.bad, now: s.now }));
  gates.push(freezeGate(await freezesFor(db, s.environment.name, s.service.name, s.now, s.now + 1), s.now));
  if (s.service.budgetFreeze) {
    const b = await budgetOf(db, s.service, s.environment.id, s.now);
    const figures = `${b.spentMinutes} of ${b.budgetMinutes} min spent over ${b.periodDays} days (SLO ${b.sloAvailability}%)`;
    gates.push({
      gate: 'error_budget',
      met: !b.exhausted,
      blocking: true,
      overridable: true,
      message: b.exhausted ? `the error budget of ${s.service.name} in ${s.environment.name} is spent (${figures}); deploys are frozen` : `error budget left: ${figures}`,
      details: { budget: b },
    });
  }
  gates.push(approvalGate({ protectedEnv: s.environment.protected, environment: s.environment.name, required: s.environment.requiredApprovals, requester: s.requester }));
  return gates;
}

export type OverrideRequest = boolean | { reason: string } | undefined;

export interface Override {
  /** The gate, or `migration`: a rollback past irreversible migrations. */
  gate: Gate['gate'] | 'migration';
  message: string;
  reason: string;
  actor: string;
  at: string;
}

/**
 * Refuse (409) when a blocking gate is unmet, unless overridden with a reason; returns what was
 * overridden, to be recorded. Whether the caller may override (admins) is checked at the edge.
 */
export function enforceGates(gates: Gate[], override: OverrideRequest, actor: string, now: number): Override[] {
  const refusing = gates.filter((g) => g.blocking && !g.met);
  if (refusing.length === 0) return [];
  const named = refusing.map((g) => `${g.gate.replace('_', ' ')} gate: ${g.message}`).join('; ');
  if (!override) {
    throw new AppError('conflict', `${named} — an admin may override with a reason`, { gates: refusing });
  }
  if (override === true) {
    throw new AppError('invalid', `override: an override needs a reason — pass override: {"reason": "…"} (${named})`, { field: 'override', gates: refusing });
  }
  return refusing.map((g) => ({ gate: g.gate, message: g.message, reason: override.reason, actor, at: new Date(now).toISOString() }));
}
