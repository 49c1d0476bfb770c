'use server';
/**
 * The panel's server actions: each refuses a cross-site caller, an anonymous one, a role too
 * low or a service out of scope — the same rules as the REST API — and audits the outcome.
 * Validation stays in lib/services (zod); errors come back as values with the API's code and
 * message so the UI can show them.
 */
import {
  approveDeployment,
  breakLease,
  controlDeployment,
  createDeployment,
  createRelease,
  createVersion,
  promoteVersion,
  rejectDeployment,
  rollbackRelease,
  rollbackService,
  serviceContext,
} from '@/lib/services';
import { currentUser, runGuarded, type ActionGuard } from '@/lib/auth/next';
import type { Principal, Role } from '@/lib/auth/roles';
import { assertMayOverrideFreeze } from '@/lib/auth/override';
import { isUuid } from '@/lib/services/validate';

export type ActionResult<T> = { ok: true; data: T } | { ok: false; error: { code: string; message: string; details: Record<string, unknown> } };

/** Through the same gate as every other server action; errors keep the API's code and message. */
async function run<T>(g: ActionGuard, fn: (p: Principal) => Promise<T>): Promise<ActionResult<T>> {
  const r = await runGuarded(g, fn);
  if (!r.ok) return { ok: false, error: { code: r.error.code, message: r.error.message, details: r.error.details ?? {} } };
  return { ok: true, data: JSON.parse(JSON.stringify(r.value)) as T };
}

const isDryRun = (input: unknown) => typeof input === 'object' && input !== null && (input as { dryRun?: unknown }).dryRun === true;

export async function deployAction(service: string, input: unknown) {
  return run({ role: 'deployer', action: 'deployment.create', services: [String(service)], mutation: !isDryRun(input) }, (p) => {
    assertMayOverrideFreeze(p, input);
    return createDeployment(serviceContext(), service, input, p.actor);
  });
}

export async function rollbackAction(service: string, input: unknown) {
  return run({ role: 'deployer', action: 'service.rollback', services: [String(service)], mutation: !isDryRun(input) }, (p) => {
    // Rolling back past an irreversible migration is an admin's call, with a reason.
    assertMayOverrideFreeze(p, input);
    return rollbackService(serviceContext(), service, input, p.actor);
  });
}

export async function rollbackReleaseAction(releaseId: string, input: unknown) {
  // Every service of the release must be in the caller's scope.
  const r = isUuid(String(releaseId)) ? await serviceContext().db.release.findUnique({ where: { id: String(releaseId) }, select: { items: { select: { service: { select: { name: true } } } } } }).catch(() => null) : null;
  return run({ role: 'deployer', action: 'release.rollback', services: r ? r.items.map((i) => i.service.name) : [], mutation: !isDryRun(input) }, (p) => {
    assertMayOverrideFreeze(p, input);
    return rollbackRelease(serviceContext(), releaseId, input, p.actor);
  });
}

export async function controlAction(deploymentId: string, action: string, input: unknown) {
  // The service is resolved before the guard so a scoped deployer is checked against it.
  const d = await serviceContext().db
    .deployment.findUnique({ where: { id: isUuid(String(deploymentId)) ? String(deploymentId) : '00000000-0000-0000-0000-000000000000' }, select: { service: { select: { name: true } } } })
    .catch(() => null);
  return run({ role: 'deployer', action: `deployment.${String(action).slice(0, 20)}`, services: d ? [d.service.name] : [], mutation: true }, (p) =>
    controlDeployment(serviceContext(), deploymentId, action, input, p.actor),
  );
}

export async function promoteAction(service: string, input: unknown) {
  return run({ role: 'deployer', action: 'service.promote', services: [String(service)], mutation: !isDryRun(input) }, (p) => {
    assertMayOverrideFreeze(p, input);
    return promoteVersion(serviceContext(), service, input, p.actor);
  });
}

async function serviceOf(deploymentId: string): Promise<string[]> {
  const d = await serviceContext().db
    .deployment.findUnique({ where: { id: isUuid(String(deploymentId)) ? String(deploymentId) : '00000000-0000-0000-0000-000000000000' }, select: { service: { select: { name: true } } } })
    .catch(() => null);
  return d ? [d.service.name] : [];
}

export async function decideAction(deploymentId: string, decision: 'approve' | 'reject', input: unknown) {
  const decide = decision === 'reject' ? rejectDeployment : approveDeployment;
  return run({ role: 'approver', action: `deployment.${decision === 'reject' ? 'reject' : 'approve'}`, services: await serviceOf(deploymentId), mutation: true }, (p) =>
    decide(serviceContext(), deploymentId, input, p.actor),
  );
}

export async function createVersionAction(service: string, input: unknown) {
  return run({ role: 'deployer', action: 'version.create', services: [String(service)], mutation: true }, (p) => createVersion(serviceContext().db, service, input, p.actor));
}

export async function createReleaseAction(input: unknown) {
  const items = (typeof input === 'object' && input !== null && Array.isArray((input as { items?: unknown }).items) ? (input as { items: Array<{ service?: unknown }> }).items : []).map((i) => String(i?.service ?? ''));
  return run({ role: 'deployer', action: 'release.create', services: items, mutation: true }, (p) => createRelease(serviceContext(), input, p.actor));
}

export async function breakLeaseAction(service: string, input: unknown) {
  return run({ role: 'admin', action: 'lease.break', services: [String(service)], mutation: true }, (p) => breakLease(serviceContext(), service, input, p.actor));
}

/** What the signed-in person may do, for the panel to show only the buttons that would work. */
export async function myRole(): Promise<{ actor: string; role: Role; serviceScope: string[] } | null> {
  const p = await currentUser();
  return p ? { actor: p.actor, role: p.role, serviceScope: p.serviceScope } : null;
}
