'use server';

import { revalidatePath } from 'next/cache';
import { guardedAction, type ActionState } from '@/lib/auth/next';
import { createApiToken, createUser, revokeApiToken, updateUser } from '@/lib/auth/users';
import { createEnvironment, createFreezeWindow, deleteFreezeWindow, registerHost, serviceContext, updateEnvironment, updateHost } from '@/lib/services';

const list = (v: FormDataEntryValue | null) =>
  String(v ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

export const createUserAction = guardedAction('admin', 'user.create', async (p, _prev: ActionState, form: FormData): Promise<ActionState> => {
  const u = await createUser(
    serviceContext().db,
    { email: String(form.get('email') ?? ''), name: String(form.get('name') ?? ''), password: String(form.get('password') ?? ''), role: String(form.get('role') ?? 'viewer'), serviceScope: list(form.get('serviceScope')) },
    p.actor,
  );
  revalidatePath('/admin/users');
  return { ok: true, message: `created ${u.email} (${u.role})` };
});

export const updateUserAction = guardedAction('admin', 'user.update', async (p, _prev: ActionState, form: FormData): Promise<ActionState> => {
  const patch: Record<string, unknown> = {};
  if (form.get('role')) patch.role = String(form.get('role'));
  if (form.has('serviceScope')) patch.serviceScope = list(form.get('serviceScope'));
  if (form.get('disabled')) patch.disabled = form.get('disabled') === 'true';
  if (form.get('password')) patch.password = String(form.get('password'));
  const u = await updateUser(serviceContext().db, String(form.get('id') ?? ''), patch, p.actor);
  revalidatePath('/admin/users');
  return { ok: true, message: `updated ${u.email}` };
});

export const createTokenAction = guardedAction('admin', 'token.create', async (p, _prev: ActionState, form: FormData): Promise<ActionState> => {
  const days = Number(form.get('expiresInDays') || 0);
  const t = await createApiToken(
    serviceContext().db,
    { name: String(form.get('name') ?? ''), role: String(form.get('role') ?? 'deployer'), serviceScope: list(form.get('serviceScope')), ...(days > 0 ? { expiresInDays: days } : {}) },
    p.actor,
  );
  revalidatePath('/admin/tokens');
  return { ok: true, message: `created ${t.name}; copy it now, it is not shown again`, token: t.token };
});

export const revokeTokenAction = guardedAction('admin', 'token.revoke', async (p, form: FormData): Promise<ActionState> => {
  await revokeApiToken(serviceContext().db, String(form.get('id') ?? ''), p.actor);
  revalidatePath('/admin/tokens');
  return { ok: true };
});

function environmentFields(form: FormData): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const int = (k: string) => {
    const v = form.get(k);
    if (v !== null && String(v) !== '') out[k] = Number(v);
  };
  int('order');
  int('soakMinutes');
  int('requiredApprovals');
  if (form.has('protected')) out.protected = form.get('protected') === 'true';
  if (form.has('strategy')) out.strategy = String(form.get('strategy')) || null;
  return out;
}

export const createEnvironmentAction = guardedAction('admin', 'environment.create', async (p, _prev: ActionState, form: FormData): Promise<ActionState> => {
  const e = await createEnvironment(serviceContext().db, { name: String(form.get('name') ?? ''), ...environmentFields(form) }, p.actor);
  revalidatePath('/admin/environments');
  return { ok: true, message: `created ${e.name}` };
});

export const updateEnvironmentAction = guardedAction('admin', 'environment.update', async (p, _prev: ActionState, form: FormData): Promise<ActionState> => {
  const e = await updateEnvironment(serviceContext().db, String(form.get('name') ?? ''), environmentFields(form), p.actor);
  revalidatePath('/admin/environments');
  return { ok: true, message: `saved ${e.name}` };
});

/** A datetime-local value is read as UTC (the form says so). */
const utc = (v: FormDataEntryValue | null) => (v && String(v) ? `${String(v)}${String(v).length === 16 ? ':00' : ''}Z` : undefined);

export const createFreezeWindowAction = guardedAction('admin', 'freeze.create', async (p, _prev: ActionState, form: FormData): Promise<ActionState> => {
  const duration = form.get('durationMinutes');
  const w = await createFreezeWindow(
    serviceContext().db,
    {
      reason: String(form.get('reason') ?? ''),
      startsAt: utc(form.get('startsAt')),
      endsAt: utc(form.get('endsAt')),
      cron: String(form.get('cron') ?? '') || undefined,
      durationMinutes: duration && String(duration) ? Number(duration) : undefined,
      timeZone: String(form.get('timeZone') ?? '') || 'UTC',
      environments: list(form.get('environments')),
      services: list(form.get('services')),
    },
    p.actor,
    Date.now(),
  );
  revalidatePath('/admin/freeze-windows');
  return { ok: true, message: `added: ${w.reason}` };
});

export const deleteFreezeWindowAction = guardedAction('admin', 'freeze.delete', async (p, form: FormData): Promise<ActionState> => {
  await deleteFreezeWindow(serviceContext().db, String(form.get('id') ?? ''), p.actor);
  revalidatePath('/admin/freeze-windows');
  return { ok: true };
});

/** "pool=web, zone=a" → { pool: "web", zone: "a" }; a malformed pair is left for the schema to name. */
function labels(v: FormDataEntryValue | null): Record<string, string> {
  return Object.fromEntries(list(v).map((pair) => [pair.split('=')[0]!.trim(), pair.slice(pair.indexOf('=') + 1).trim()]));
}

export const registerHostAction = guardedAction('admin', 'host.register', async (p, _prev: ActionState, form: FormData): Promise<ActionState> => {
  const capacity = String(form.get('capacity') ?? '');
  const h = await registerHost(
    serviceContext().db,
    {
      name: String(form.get('name') ?? ''),
      address: String(form.get('address') ?? ''),
      token: String(form.get('token') ?? ''),
      labels: labels(form.get('labels')),
      ...(capacity ? { capacity: Number(capacity) } : {}),
      ...(String(form.get('caCert') ?? '').trim() ? { caCert: String(form.get('caCert')) } : {}),
    },
    p.actor,
  );
  revalidatePath('/admin/hosts');
  return { ok: true, message: `registered ${h.name} in pool ${h.pool}: ${h.state}${h.lastError ? ` (${h.lastError})` : ''}` };
});

export const drainHostAction = guardedAction('admin', 'host.update', async (p, form: FormData): Promise<ActionState> => {
  await updateHost(serviceContext().db, String(form.get('name') ?? ''), { draining: form.get('draining') === 'true' }, p.actor);
  revalidatePath('/admin/hosts');
  return { ok: true };
});
