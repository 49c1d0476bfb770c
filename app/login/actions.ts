'use server';

import { cookies, headers } from 'next/headers';
import { redirect } from 'next/navigation';
import { getDb } from '@/lib/db/client';
import { isAppError } from '@/lib/errors/app-error';
import { login, logout, cookieOptions } from '@/lib/auth/sessions';
import { SESSION_COOKIE } from '@/lib/auth/principal';
import { sameOrigin } from '@/lib/auth/origin';
import { audit } from '@/lib/auth/audit';

/** On failure: the message, and the email to put back (React resets the form after an action). */
export type LoginState = { error?: string; email?: string } | undefined;

function safeNext(raw: FormDataEntryValue | null): string {
  const s = typeof raw === 'string' ? raw : '/';
  return s.startsWith('/') && !s.startsWith('//') && !s.startsWith('/login') ? s : '/';
}

export async function signIn(_prev: LoginState, form: FormData): Promise<LoginState> {
  const h = await headers();
  const ip = h.get('x-forwarded-for')?.split(',')[0]?.trim() || null;
  const email = String(form.get('email') ?? '');
  if (!sameOrigin(h)) return { error: 'cross-site sign-in refused', email };
  let signed;
  try {
    signed = await login(getDb(), { email, password: String(form.get('password') ?? '') }, { ip, userAgent: h.get('user-agent') });
  } catch (e) {
    return { error: isAppError(e) ? e.message : 'sign-in failed; see the server log', email };
  }
  const secure = h.get('x-forwarded-proto') === 'https';
  (await cookies()).set(SESSION_COOKIE, signed.secret, cookieOptions(secure, signed.expiresAt));
  redirect(safeNext(form.get('next')));
}

export async function signOut(): Promise<void> {
  const h = await headers();
  if (!sameOrigin(h)) return;
  const jar = await cookies();
  const secret = jar.get(SESSION_COOKIE)?.value ?? null;
  if (secret) {
    const db = getDb();
    const s = await db.session.findUnique({ where: { tokenHash: (await import('@/lib/auth/secrets')).sha256(secret) }, include: { user: { select: { email: true } } } });
    await logout(db, secret);
    if (s) await audit(db, { actor: s.user.email, action: 'logout', target: `user:${s.user.email}`, outcome: 'ok', status: 200 });
  }
  jar.delete(SESSION_COOKIE);
  redirect('/login');
}
