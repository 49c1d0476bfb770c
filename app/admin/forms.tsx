'use client';

import { useActionState } from 'react';
import type { ActionState } from '@/lib/auth/next';
import { STRATEGIES } from '@/lib/engine/constants';

const input = 'block rounded border border-zinc-300 bg-white px-2 py-1 text-sm dark:border-zinc-700 dark:bg-zinc-900';
const label = 'text-xs font-medium';

/** A visible label above its input: every admin field is named on screen, not by a placeholder that vanishes. */
function Field({ text, children, className = '' }: { text: string; children: React.ReactNode; className?: string }) {
  return (
    <label className={`${label} ${className}`}>
      {text}
      {children}
    </label>
  );
}
const button = 'h-fit self-end rounded bg-zinc-900 px-3 py-1 text-sm font-medium text-white disabled:opacity-50 dark:bg-zinc-100 dark:text-zinc-900';

type Action = (prev: ActionState, form: FormData) => Promise<ActionState>;

function Result({ state }: { state: ActionState }) {
  if (!state) return null;
  return (
    <div className="mt-2 text-sm" role="status">
      {state.error ? <p className="text-red-700 dark:text-red-400">{state.error.charAt(0).toUpperCase() + state.error.slice(1)}</p> : null}
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
      <Field text="Email">
        <input name="email" type="email" required className={input} />
      </Field>
      <Field text="Name">
        <input name="name" className={input} />
      </Field>
      <Field text="Password (12 characters or more)">
        <input name="password" type="password" required minLength={12} className={input} />
      </Field>
      <Field text="Role">
        <select name="role" defaultValue="viewer" className={input}>
          <option value="viewer">viewer</option>
          <option value="deployer">deployer</option>
          <option value="approver">approver</option>
          <option value="admin">admin</option>
        </select>
      </Field>
      <Field text="Service scope (deployers; empty: all)">
        <input name="serviceScope" placeholder="svc-a, svc-b" className={`${input} w-56`} />
      </Field>
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
      <select name="role" defaultValue={role} className={input} aria-label="Role">
        <option value="viewer">viewer</option>
        <option value="deployer">deployer</option>
        <option value="approver">approver</option>
        <option value="admin">admin</option>
      </select>
      <input name="serviceScope" defaultValue={scope} placeholder="all services" className={`${input} w-40`} aria-label="Service scope" />
      <select name="disabled" defaultValue={String(disabled)} className={input} aria-label="Status">
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
      <Field text="Name">
        <input name="name" placeholder="github-actions" required className={input} />
      </Field>
      <Field text="Role">
        <select name="role" defaultValue="deployer" className={input}>
          <option value="viewer">viewer</option>
          <option value="deployer">deployer</option>
          <option value="approver">approver</option>
          <option value="admin">admin</option>
        </select>
      </Field>
      <Field text="Service scope (empty: all)">
        <input name="serviceScope" placeholder="svc-a, svc-b" className={`${input} w-56`} />
      </Field>
      <Field text="Expires in days (empty: never)">
        <input name="expiresInDays" type="number" min={1} className={`${input} w-28`} />
      </Field>
      <button disabled={pending} className={button}>
        Create token
      </button>
      <div className="w-full">
        <Result state={state} />
      </div>
    </form>
  );
}

export function EnvironmentForm({ action, initial }: { action: Action; initial?: { name: string; order: number; protected: boolean; requiredApprovals: number; soakMinutes: number; strategy: string | null } }) {
  const [state, run, pending] = useActionState(action, undefined);
  const id = initial ? `env-${initial.name}` : 'env-new';
  return (
    <form action={run} className="flex flex-wrap items-end gap-2" data-testid={initial ? `edit-environment-${initial.name}` : 'create-environment'}>
      {initial ? <input type="hidden" name="name" value={initial.name} /> : (
        <label className="text-xs" htmlFor={`${id}-name`}>
          Name
          <input id={`${id}-name`} name="name" placeholder="qa" required className={`${input} block`} />
        </label>
      )}
      <label className="text-xs" htmlFor={`${id}-order`}>
        Order
        <input id={`${id}-order`} name="order" type="number" min={0} required defaultValue={initial?.order} className={`${input} block w-24`} />
      </label>
      <label className="text-xs" htmlFor={`${id}-soak`}>
        Soak (min)
        <input id={`${id}-soak`} name="soakMinutes" type="number" min={0} defaultValue={initial?.soakMinutes ?? 0} className={`${input} block w-24`} />
      </label>
      <label className="text-xs" htmlFor={`${id}-protected`}>
        Protected
        <select id={`${id}-protected`} name="protected" defaultValue={String(initial?.protected ?? false)} className={`${input} block`}>
          <option value="false">no</option>
          <option value="true">yes: approvals needed</option>
        </select>
      </label>
      <label className="text-xs" htmlFor={`${id}-approvals`}>
        Approvals
        <input id={`${id}-approvals`} name="requiredApprovals" type="number" min={0} max={10} defaultValue={initial?.requiredApprovals ?? 0} className={`${input} block w-20`} />
      </label>
      <label className="text-xs" htmlFor={`${id}-strategy`}>
        Promotion strategy
        <select id={`${id}-strategy`} name="strategy" defaultValue={initial?.strategy ?? ''} className={`${input} block`}>
          <option value="">service default</option>
          {STRATEGIES.map((name) => (
            <option key={name} value={name}>
              {name}
            </option>
          ))}
        </select>
      </label>
      <button disabled={pending} className={button}>
        {initial ? 'Save' : 'Create environment'}
      </button>
      <div className="w-full">
        <Result state={state} />
      </div>
    </form>
  );
}

export function FreezeWindowForm({ action, environments }: { action: Action; environments: string[] }) {
  const [state, run, pending] = useActionState(action, undefined);
  return (
    <form action={run} className="flex flex-wrap items-end gap-2" data-testid="create-freeze">
      <label className="text-xs" htmlFor="freeze-reason">
        Reason
        <input id="freeze-reason" name="reason" required placeholder="Black Friday" className={`${input} block`} />
      </label>
      <label className="text-xs" htmlFor="freeze-start">
        From (one-off, UTC)
        <input id="freeze-start" name="startsAt" type="datetime-local" className={`${input} block`} />
      </label>
      <label className="text-xs" htmlFor="freeze-end">
        Until
        <input id="freeze-end" name="endsAt" type="datetime-local" className={`${input} block`} />
      </label>
      <label className="text-xs" htmlFor="freeze-cron">
        or cron (recurring)
        <input id="freeze-cron" name="cron" placeholder="0 17 * * 5" className={`${input} block w-32`} />
      </label>
      <label className="text-xs" htmlFor="freeze-duration">
        for (min)
        <input id="freeze-duration" name="durationMinutes" type="number" min={1} className={`${input} block w-24`} />
      </label>
      <label className="text-xs" htmlFor="freeze-tz">
        Time zone
        <input id="freeze-tz" name="timeZone" defaultValue="UTC" className={`${input} block w-36`} />
      </label>
      <label className="text-xs" htmlFor="freeze-envs">
        Environments (empty: all)
        <input id="freeze-envs" name="environments" placeholder={environments.join(', ')} className={`${input} block w-56`} />
      </label>
      <label className="text-xs" htmlFor="freeze-services">
        Services (empty: all)
        <input id="freeze-services" name="services" placeholder="svc-a, svc-b" className={`${input} block w-56`} />
      </label>
      <button disabled={pending} className={button}>
        Add freeze window
      </button>
      <div className="w-full">
        <Result state={state} />
      </div>
    </form>
  );
}

export function RegisterHostForm({ action }: { action: Action }) {
  const [state, run, pending] = useActionState(action, undefined);
  return (
    <form action={run} className="flex flex-wrap items-end gap-2" data-testid="register-host">
      <label className="text-xs" htmlFor="host-name">
        Name
        <input id="host-name" name="name" required placeholder="web-1" className={`${input} block`} />
      </label>
      <label className="text-xs" htmlFor="host-address">
        Agent address
        <input id="host-address" name="address" required placeholder="http://10.0.0.21:7070" className={`${input} block w-56`} />
      </label>
      <label className="text-xs" htmlFor="host-token">
        Agent token
        <input id="host-token" name="token" type="password" required minLength={16} autoComplete="off" className={`${input} block`} />
      </label>
      <label className="text-xs" htmlFor="host-labels">
        Labels
        <input id="host-labels" name="labels" placeholder="pool=web, zone=a" className={`${input} block`} />
      </label>
      <label className="text-xs" htmlFor="host-capacity">
        Capacity
        <input id="host-capacity" name="capacity" type="number" min={1} placeholder="no limit" className={`${input} block w-24`} />
      </label>
      <label className="w-full text-xs" htmlFor="host-ca">
        CA certificate (https agents, PEM)
        <textarea id="host-ca" name="caCert" rows={2} className={`${input} block w-full font-mono`} />
      </label>
      <button disabled={pending} className={button}>
        Register host
      </button>
      <div className="w-full">
        <Result state={state} />
      </div>
    </form>
  );
}
