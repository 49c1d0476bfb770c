/**
 * Route-handler plumbing for REST API v1: parse the body, resolve the actor, run the
 * service call, and map errors to `{"error":{"code","message","details"}}` with the status
 * of the AppError's code. Unknown errors are logged in full and answered with a generic 500.
 */
import { AppError, isAppError } from '../errors/app-error';
import { getDb, type Db } from '../db/client';
import type { ServiceContext } from '../services/deployments';

const MAX_BODY_BYTES = 1024 * 1024;

export function errorResponse(e: unknown): Response {
  if (isAppError(e)) {
    return Response.json({ error: { code: e.code, message: e.message, details: e.details ?? {} } }, { status: e.status });
  }
  console.error('[api] unexpected error', e);
  return Response.json({ error: { code: 'internal', message: 'internal error; see the server log', details: {} } }, { status: 500 });
}

/** Parse a JSON body; an empty body is `{}`. Malformed JSON is a 400 naming the problem. */
export async function readJson(req: Request): Promise<unknown> {
  const text = await req.text();
  if (text.length > MAX_BODY_BYTES) throw new AppError('bad_request', `request body over ${MAX_BODY_BYTES} bytes`);
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new AppError('bad_request', `malformed JSON body: ${(e as Error).message}`);
  }
}

/** Who is acting. Until sign-in exists, callers name themselves; the default is "api". */
export function actorOf(req: Request): string {
  const h = req.headers.get('x-flightdeck-actor')?.trim();
  return h && h.length <= 200 ? h : 'api';
}

export function serviceContext(): ServiceContext {
  return { db: getDb() };
}

export function handler<C>(fn: (req: Request, ctx: C, db: Db) => Promise<Response | unknown>) {
  return async (req: Request, ctx: C): Promise<Response> => {
    try {
      const out = await fn(req, ctx, getDb());
      return out instanceof Response ? out : Response.json(out);
    } catch (e) {
      return errorResponse(e);
    }
  };
}

export type Params<P> = { params: Promise<P> };
