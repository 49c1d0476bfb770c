'use client';

import { useActionState } from 'react';
import { signIn, type LoginState } from './actions';

export function LoginForm({ next }: { next: string }) {
  const [state, action, pending] = useActionState<LoginState, FormData>(signIn, undefined);
  const input = 'w-full rounded border border-zinc-300 bg-white px-3 py-2 text-sm dark:border-zinc-700 dark:bg-zinc-900';
  return (
    <form action={action} className="space-y-4" data-testid="login-form">
      <input type="hidden" name="next" value={next} />
      <label className="block text-sm">
        <span className="mb-1 block text-muted">Email</span>
        <input key={state?.email ?? ''} name="email" type="email" autoComplete="username" required defaultValue={state?.email ?? ''} className={input} />
      </label>
      <label className="block text-sm">
        <span className="mb-1 block text-muted">Password</span>
        <input name="password" type="password" autoComplete="current-password" required className={input} />
      </label>
      {state?.error ? (
        <p role="alert" className="text-sm text-red-600 dark:text-red-400">
          {state.error}
        </p>
      ) : null}
      <button type="submit" disabled={pending} className="w-full rounded bg-zinc-900 px-3 py-2 text-sm font-medium text-white disabled:opacity-50 dark:bg-zinc-100 dark:text-zinc-900">
        {pending ? 'Signing in…' : 'Sign in'}
      </button>
    </form>
  );
}
