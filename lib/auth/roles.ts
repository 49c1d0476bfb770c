/**
 * Roles and what each may do. Pure: no I/O.
 *
 * | role     | may                                                                          |
 * |----------|------------------------------------------------------------------------------|
 * | viewer   | read everything: services, versions, deployments, events, releases, metrics   |
 * | deployer | + register versions, deploy, release, pause, resume, promote, abort, rollback |
 * | approver | + approve or reject deployments into protected environments (never their own) |
 * | admin    | + create/edit services, users, API tokens, read the audit log, error-budget   |
 * |          |   overrides, breaking a lease                                                 |
 *
 * A deployer (user or token) may carry a service scope: a non-empty list of services; then
 * every deployer action must target only those services. Admins and viewers carry no scope.
 */
export const ROLES = ['viewer', 'deployer', 'approver', 'admin'] as const;
export type Role = (typeof ROLES)[number];

const RANK: Record<Role, number> = { viewer: 0, deployer: 1, approver: 2, admin: 3 };

export interface Principal {
  kind: 'user' | 'token';
  id: string;
  /** What audit rows, events and `createdBy` record: the user's email or `token:<name>`. */
  actor: string;
  role: Role;
  /** Services this principal may act on; empty = every service. */
  serviceScope: string[];
}

export function hasRole(p: Pick<Principal, 'role'>, required: Role): boolean {
  return RANK[p.role] >= RANK[required];
}

/** The services among `targets` this principal may not act on (empty when all allowed). */
export function outOfScope(p: Pick<Principal, 'serviceScope'>, targets: readonly string[]): string[] {
  if (p.serviceScope.length === 0) return [];
  return targets.filter((t) => !p.serviceScope.includes(t));
}

export type Decision = { ok: true } | { ok: false; code: 'forbidden'; reason: string };

export function decide(p: Principal, required: Role, targets: readonly string[] = []): Decision {
  if (!hasRole(p, required)) return { ok: false, code: 'forbidden', reason: `${p.actor} is a ${p.role}; this needs the ${required} role` };
  const outside = required === 'viewer' ? [] : outOfScope(p, targets);
  if (outside.length > 0) {
    return { ok: false, code: 'forbidden', reason: `${p.actor} may act only on ${p.serviceScope.join(', ')}; not on ${outside.join(', ')}` };
  }
  return { ok: true };
}
