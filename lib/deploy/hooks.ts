/**
 * Deployment hooks: a command or an HTTP call, with a timeout, output captured for the
 * timeline. The same runner serves deploy hooks, rollback hooks and migrations' down hooks
 * (FLIGHTDECK_MIGRATION_ID names the migration). Each run gets a stable idempotency key (deployment + phase + index) as
 * FLIGHTDECK_HOOK_KEY / Idempotency-Key: if a worker dies mid-hook, the worker that takes
 * over runs it again with the same key, so a hook can recognise the repeat.
 *
 * A command hook runs with least privilege: as the unprivileged user instances run as (when
 * Flightdeck runs as root), in a working folder of its own, with a clean environment — PATH, its
 * folder as HOME, the hook's declared `env` and FLIGHTDECK_* facts about the deployment — never
 * the control plane's own (which holds the database's credentials).
 */
import { spawn } from 'node:child_process';
import type { Hook, HookPhase } from '../engine/types';
import { removeWorkFolder, runAs, workFolder } from '../runtime/run-as';

export interface HookContext {
  deploymentId: string;
  service: string;
  version: string;
  /** The version live before this deployment (null: none). */
  fromVersion?: string | null;
  environment?: string;
  phase: HookPhase;
  key: string;
  /** A migration's down hook: the migration it undoes. */
  migration?: string;
}

/** What a command hook is told about the deployment it runs for. */
function facts(ctx: HookContext): Record<string, string> {
  return {
    FLIGHTDECK_DEPLOYMENT_ID: ctx.deploymentId,
    FLIGHTDECK_SERVICE: ctx.service,
    FLIGHTDECK_VERSION: ctx.version,
    ...(ctx.fromVersion ? { FLIGHTDECK_FROM_VERSION: ctx.fromVersion } : {}),
    ...(ctx.environment ? { FLIGHTDECK_ENVIRONMENT: ctx.environment } : {}),
    FLIGHTDECK_HOOK_PHASE: ctx.phase,
    FLIGHTDECK_HOOK_KEY: ctx.key,
    ...(ctx.migration ? { FLIGHTDECK_MIGRATION_ID: ctx.migration } : {}),
  };
}

export interface HookResult {
  ok: boolean;
  exitCode: number | null;
  status?: number;
  output: string;
  durationMs: number;
  error?: string;
}

const MAX_OUTPUT = 8 * 1024;
const DEFAULT_TIMEOUT_S = 300;

function clip(s: string): string {
  return s.length > MAX_OUTPUT ? `${s.slice(0, MAX_OUTPUT)}\n… (${s.length - MAX_OUTPUT} more bytes)` : s;
}

export async function runHook(hook: Hook, ctx: HookContext): Promise<HookResult> {
  const started = Date.now();
  const timeoutMs = (hook.timeoutSeconds ?? DEFAULT_TIMEOUT_S) * 1000;
  if (hook.type === 'http') {
    try {
      const res = await fetch(hook.url, {
        method: hook.method ?? 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': ctx.key },
        body: hook.method === 'GET' ? undefined : JSON.stringify(ctx),
        signal: AbortSignal.timeout(timeoutMs),
      });
      const output = clip(await res.text());
      return { ok: res.ok, exitCode: null, status: res.status, output, durationMs: Date.now() - started, error: res.ok ? undefined : `HTTP ${res.status}` };
    } catch (e) {
      const err = e as Error;
      const timedOut = err.name === 'TimeoutError';
      return { ok: false, exitCode: null, output: '', durationMs: Date.now() - started, error: timedOut ? `timed out after ${timeoutMs / 1000} s` : err.message };
    }
  }
  let who: ReturnType<typeof runAs>;
  let folder: string;
  try {
    who = runAs();
    folder = workFolder(`hook-${ctx.deploymentId}-${ctx.phase}`, who);
  } catch (e) {
    return { ok: false, exitCode: null, output: '', durationMs: Date.now() - started, error: (e as Error).message };
  }
  const env: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: folder, ...hook.env, ...facts(ctx) };
  return new Promise<HookResult>((resolve) => {
    let output = '';
    let timedOut = false;
    const child = spawn(hook.command, hook.args ?? [], {
      cwd: folder,
      env: env as NodeJS.ProcessEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(who ? { uid: who.uid, gid: who.gid } : {}),
    });
    const onData = (b: Buffer) => {
      if (output.length < MAX_OUTPUT * 2) output += b.toString();
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      removeWorkFolder(folder);
      resolve({ ok: false, exitCode: null, output: clip(output), durationMs: Date.now() - started, error: e.message });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      removeWorkFolder(folder);
      resolve({
        ok: code === 0 && !timedOut,
        exitCode: code,
        output: clip(output),
        durationMs: Date.now() - started,
        error: timedOut ? `timed out after ${timeoutMs / 1000} s` : code === 0 ? undefined : `exit code ${code}`,
      });
    });
  });
}
