/**
 * Calling a REST route handler in-process, as Next.js would, and checking the error answer
 * every refusal must have: `{ error: { code, message, details } }` with its status.
 */
import { expect } from 'vitest';

export type RouteHandler<P> = (req: Request, ctx: { params: Promise<P> }) => Promise<Response>;

export interface RouteAnswer {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read the JSON the route documents
  body: any;
}

/** One call with a bearer token; a string body is sent as is (malformed JSON), anything else as JSON. */
export async function callRoute<P>(h: RouteHandler<P>, o: { token: string; method: string; params: P; body?: unknown; url?: string }): Promise<RouteAnswer> {
  const init: RequestInit = { method: o.method, headers: { authorization: `Bearer ${o.token}` } };
  if (o.body !== undefined) init.body = typeof o.body === 'string' ? o.body : JSON.stringify(o.body);
  const res = await h(new Request(o.url ?? 'http://localhost/x', init), { params: Promise.resolve(o.params) });
  return { status: res.status, body: await res.json() };
}

export function expectApiError(r: RouteAnswer, status: number, code: string, message: RegExp): void {
  expect(r.status, JSON.stringify(r.body)).toBe(status);
  expect(r.body).toEqual({ error: { code, message: expect.any(String), details: expect.any(Object) } });
  expect(r.body.error.message).toMatch(message);
}
