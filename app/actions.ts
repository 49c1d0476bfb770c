'use server';
/**
 * The panel's server actions: each refuses a cross-site caller, an anonymous one, a role too
 * low or a service out of scope — the same rules as the REST API — and audits the outcome.
 * Validation stays in lib/services (zod); errors come back as values with the API's code and
 * message so the UI can show them.
 */
import { headers } from 'next/headers';
import { AppError, isAppError } from '@/lib/errors/app-error';
import { serviceContext } from '@/lib/api/http';
import { getDb } from '@/lib/db/client';
import { breakLease, controlDeployment, createDeployment, createRelease, createVersion, rollbackService } from '@/lib/services';
import { currentUser } from '@/lib/auth/next';
import { sameOrigin } from '@/lib/auth/origin';
import { decide, type Principal, type Role } from '@/lib/auth/roles';
import { audit } from '@/lib/auth/audit';
import { assertMayOverrideFreeze } from '@/lib/auth/override';
import { isUuid } from '@/lib/services/validate';

export type ActionResult<T> = { ok: true; data: T } | { ok: false; error: { code: string; message: string; details: Record<string, unknown> } };

interface Guard {
  role: Role;
  action: string;
  services: string[];
  /** A dry run changes nothing: only a refusal is audited. */
  mutation: boolean;
}

async function run<T>(g: Guard, fn: (p: Principal) => Promise<T>): Promise<ActionResult<T>> {
  const db = getDb();
  const h = await headers();
  const ip = h.get('x-forwarded-for')?.split(',')[0]?.trim() || null;
  const target = g.services.map((s) => `service:${s}`).join(',');
  let p: Principal | null = null;
  try {
    if (!sameOrigin(h)) throw new AppError('forbidden', 'cross-site request refused (Origin does not match this site)');
    p = await currentUser();
    if (!p) throw new AppError('unauthorized', 'not signed in');
    const d = decide(p, g.role, g.services);
    if (!d.ok) throw new AppError('forbidden', d.reason, { required: g.role, role: p.role });
    const data = await fn(p);
    if (g.mutation) await audit(db, { actor: p.actor, action: g.action, target, outcome: 'ok', status: 200, ip });
    return { ok: true, data: JSON.parse(JSON.stringify(data)) as T };
  } catch (e) {
    if (!isAppError(e)) {
      console.error('[panel] unexpected error', e);
      await audit(db, { actor: p?.actor ?? 'anonymous', action: g.action, target, outcome: 'error', status: 500, ip });
      return { ok: false, error: { code: 'internal', message: 'internal error; see the server log', details: {} } };
    }
    const outcome = e.code === 'unauthorized' ? 'unauthenticated' : e.code === 'forbidden' ? 'denied' : 'rejected';
    if (g.mutation || outcome !== 'rejected') await audit(db, { actor: p?.actor ?? 'anonymous', action: g.action, target, outcome, status: e.status, ip, details: { code: e.code, message: e.message } });
    return { ok: false, error: { code: e.code, message: e.message, details: e.details ?? {} } };
  }
}

const isDryRun = (input: unknown) => typeof input === 'object' && input !== null && (input as { dryRun?: unknown }).dryRun === true;

export async function deployAction(service: string, input: unknown) {
  return run({ role: 'deployer', action: 'deployment.create', services: [String(service)], mutation: !isDryRun(input) }, (p) => {
    assertMayOverrideFreeze(p, input);
    return createDeployment(serviceContext(), service, input, p.actor);
  });
}

export async function rollbackAction(service: string, input: unknown) {
  return run({ role: 'deployer', action: 'service.rollback', services: [String(service)], mutation: !isDryRun(input) }, (p) => rollbackService(serviceContext(), service, input, p.actor));
}

export async function controlAction(deploymentId: string, action: string, input: unknown) {
  // The service is resolved before the guard so a scoped deployer is checked against it.
  const d = await getDb()
    .deployment.findUnique({ where: { id: isUuid(String(deploymentId)) ? String(deploymentId) : '00000000-0000-0000-0000-000000000000' }, select: { service: { select: { name: true } } } })
    .catch(() => null);
  return run({ role: 'deployer', action: `deployment.${String(action).slice(0, 20)}`, services: d ? [d.service.name] : [], mutation: true }, (p) =>
    controlDeployment(serviceContext(), deploymentId, action, input, p.actor),
  );
}

export async function createVersionAction(service: string, input: unknown) {
  return run({ role: 'deployer', action: 'version.create', services: [String(service)], mutation: true }, (p) => createVersion(getDb(), service, input, p.actor));
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
