'use server';
/**
 * The panel's server actions: parse nothing themselves (lib/services validates with zod),
 * call the use case with the signed-in person as actor, and return errors as values so the
 * UI can show the code and message the API would have answered.
 */
import { isAppError } from '@/lib/errors/app-error';
import { serviceContext } from '@/lib/api/http';
import { getDb } from '@/lib/db/client';
import { controlDeployment, createDeployment, createRelease, createVersion, rollbackService } from '@/lib/services';
import { panelActor } from '@/lib/panel/actor';

export type ActionResult<T> = { ok: true; data: T } | { ok: false; error: { code: string; message: string; details: Record<string, unknown> } };

async function run<T>(fn: (actor: string) => Promise<T>): Promise<ActionResult<T>> {
  try {
    const actor = await panelActor();
    return { ok: true, data: JSON.parse(JSON.stringify(await fn(actor))) as T };
  } catch (e) {
    if (isAppError(e)) return { ok: false, error: { code: e.code, message: e.message, details: e.details ?? {} } };
    console.error('[panel] unexpected error', e);
    return { ok: false, error: { code: 'internal', message: 'internal error; see the server log', details: {} } };
  }
}

export async function deployAction(service: string, input: unknown) {
  return run((actor) => createDeployment(serviceContext(), service, input, actor));
}

export async function rollbackAction(service: string, input: unknown) {
  return run((actor) => rollbackService(serviceContext(), service, input, actor));
}

export async function controlAction(deploymentId: string, action: string, input: unknown) {
  return run((actor) => controlDeployment(serviceContext(), deploymentId, action, input, actor));
}

export async function createVersionAction(service: string, input: unknown) {
  return run((actor) => createVersion(getDb(), service, input, actor));
}

export async function createReleaseAction(input: unknown) {
  return run((actor) => createRelease(serviceContext(), input, actor));
}
