'use server';

import { serviceContext } from '@/lib/services';
import { revalidatePath } from 'next/cache';
import { guardedAction, type ActionState } from '@/lib/auth/next';
import { createApiToken, createUser, revokeApiToken, updateUser } from '@/lib/auth/users';

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
