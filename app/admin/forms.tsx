'use client';

import { useActionState } from 'react';
import type { ActionState } from '@/lib/auth/next';

const input = 'rounded border border-zinc-300 bg-white px-2 py-1 text-sm dark:border-zinc-700 dark:bg-zinc-900';
const button = 'rounded bg-zinc-900 px-3 py-1 text-sm font-medium text-white disabled:opacity-50 dark:bg-zinc-100 dark:text-zinc-900';

type Action = (prev: ActionState, form: FormData) => Promise<ActionState>;

function Result({ state }: { state: ActionState }) {
  if (!state) return null;
  return (
    <div className="mt-2 text-sm" role="status">
      {state.error ? <p className="text-red-600 dark:text-red-400">{state.error}</p> : null}
      {state.message ? <p className="text-emerald-700 dark:text-emerald-400">{state.message}</p> : null}
      {state.token ? (
        <code data-testid="new-token" className="mt-1 block break-all rounded bg-zinc-100 p-2 font-mono dark:bg-zinc-900">
          {state.token}
        </code>
      ) : null}
    </div>
  );
}

export function CreateUserForm({ action }: { action: Action }) {
  const [state, run, pending] = useActionState(action, undefined);
  return (
    <form action={run} className="flex flex-wrap items-end gap-2" data-testid="create-user">
      <input name="email" type="email" placeholder="email" required className={input} />
      <input name="name" placeholder="name" className={input} />
      <input name="password" type="password" placeholder="password (12+)" required minLength={12} className={input} />
      <select name="role" defaultValue="viewer" className={input}>
        <option value="viewer">viewer</option>
        <option value="deployer">deployer</option>
        <option value="admin">admin</option>
      </select>
      <input name="serviceScope" placeholder="scope: svc-a, svc-b (deployers)" className={input} />
      <button disabled={pending} className={button}>
        Create user
      </button>
      <div className="w-full">
        <Result state={state} />
      </div>
    </form>
  );
}

export function UpdateUserForm({ action, id, role, scope, disabled }: { action: Action; id: string; role: string; scope: string; disabled: boolean }) {
  const [state, run, pending] = useActionState(action, undefined);
  return (
    <form action={run} className="flex flex-wrap items-center gap-2">
      <input type="hidden" name="id" value={id} />
      <select name="role" defaultValue={role} className={input}>
        <option value="viewer">viewer</option>
        <option value="deployer">deployer</option>
        <option value="admin">admin</option>
      </select>
      <input name="serviceScope" defaultValue={scope} placeholder="scope" className={input} />
      <select name="disabled" defaultValue={String(disabled)} className={input}>
        <option value="false">active</option>
        <option value="true">disabled</option>
      </select>
      <button disabled={pending} className={button}>
        Save
      </button>
      <Result state={state} />
    </form>
  );
}

export function CreateTokenForm({ action }: { action: Action }) {
  const [state, run, pending] = useActionState(action, undefined);
  return (
    <form action={run} className="flex flex-wrap items-end gap-2" data-testid="create-token">
      <input name="name" placeholder="name, e.g. github-actions" required className={input} />
      <select name="role" defaultValue="deployer" className={input}>
        <option value="viewer">viewer</option>
        <option value="deployer">deployer</option>
        <option value="admin">admin</option>
      </select>
      <input name="serviceScope" placeholder="scope: svc-a, svc-b (deployers)" className={input} />
      <input name="expiresInDays" type="number" min={1} placeholder="expires in days" className={input} />
      <button disabled={pending} className={button}>
        Create token
      </button>
      <div className="w-full">
        <Result state={state} />
      </div>
    </form>
  );
}
