/**
 * Request bodies for REST API v1: JSON, at most MAX_BODY_BYTES, read once per request. A
 * declared Content-Length over the limit is refused before a byte is read; a body without
 * one (chunked) is read no further than the limit. Whoever needs the body — a scope check
 * before authorisation completes, then the route itself — gets the same parse, so no caller
 * can read more than the limit or read it twice.
 */
import { AppError } from '../errors/app-error';

export const MAX_BODY_BYTES = 1024 * 1024;
export const MAX_JSON_DEPTH = 64;

const tooLarge = () => new AppError('bad_request', `request body over ${MAX_BODY_BYTES} bytes`, { limit: MAX_BODY_BYTES });

/** Refuses a declared length over the limit (nothing read yet). */
export function checkDeclaredLength(headers: Headers): void {
  const declared = Number(headers.get('content-length') ?? 0);
  if (declared > MAX_BODY_BYTES) throw tooLarge();
}

/** A client that went away mid-body: nobody will read the answer, and it is no server error. */
export function clientAborted(): AppError {
  return new AppError('aborted', 'the client closed the connection before the request body arrived');
}

/** The body as text, reading no further than MAX_BODY_BYTES (a chunked body has no length to trust). */
async function readLimited(req: Request): Promise<string> {
  if (!req.body) return '';
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    let chunk: ReadableStreamReadResult<Uint8Array>;
    try {
      chunk = await reader.read();
    } catch {
      throw clientAborted();
    }
    if (chunk.done) break;
    size += chunk.value.byteLength;
    if (size > MAX_BODY_BYTES) {
      await reader.cancel().catch(() => {});
      throw tooLarge();
    }
    chunks.push(chunk.value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

async function parse(req: Request): Promise<unknown> {
  checkDeclaredLength(req.headers);
  const text = await readLimited(req);
  if (text.trim() === '') return {};
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (e) {
    throw new AppError('bad_request', `malformed JSON body: ${(e as Error).message}`);
  }
  checkShape(body);
  return body;
}

const parsed = new WeakMap<Request, Promise<unknown>>();

/** Parse a JSON body; an empty body is `{}`. Malformed JSON is a 400 naming the problem. Read once per request. */
export function readJson(req: Request): Promise<unknown> {
  let p = parsed.get(req);
  if (!p) {
    p = parse(req);
    p.catch(() => {}); // whoever awaits it sees the error; an unawaited copy must not crash the process
    parsed.set(req, p);
  }
  return p;
}

/**
 * Refused before any validation, named, instead of a 500 further down: nesting deeper than
 * MAX_JSON_DEPTH (recursive code would overflow the stack) and NUL characters (PostgreSQL
 * stores none in text or jsonb). Iterative, so hostile input cannot overflow it either.
 */
function checkShape(root: unknown): void {
  const stack: Array<[unknown, number]> = [[root, 0]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (typeof v === 'string') {
      if (v.includes('\u0000')) throw new AppError('bad_request', 'request body contains a NUL character (\\u0000), which no field accepts');
    } else if (v !== null && typeof v === 'object') {
      if (depth >= MAX_JSON_DEPTH) throw new AppError('bad_request', `request body nested deeper than ${MAX_JSON_DEPTH} levels`);
      for (const [k, child] of Object.entries(v)) {
        if (k.includes('\u0000')) throw new AppError('bad_request', 'request body contains a NUL character (\\u0000), which no field accepts');
        stack.push([child, depth + 1]);
      }
    }
  }
}
