'use server';

import { redirect } from 'next/navigation';
import { signInWithPassword, signOutOfPanel } from '@/lib/auth/next';

/** On failure: the message, and the email to put back (React resets the form after an action). */
export type LoginState = { error?: string; email?: string } | undefined;

function safeNext(raw: FormDataEntryValue | null): string {
  const s = typeof raw === 'string' ? raw : '/';
  return s.startsWith('/') && !s.startsWith('//') && !s.startsWith('/login') ? s : '/';
}

export async function signIn(_prev: LoginState, form: FormData): Promise<LoginState> {
  const email = String(form.get('email') ?? '');
  const error = await signInWithPassword(email, String(form.get('password') ?? ''));
  if (error) return { error, email };
  redirect(safeNext(form.get('next')));
}

export async function signOut(): Promise<void> {
  if (await signOutOfPanel()) redirect('/login');
}
