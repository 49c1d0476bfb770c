/**
 * The header rewriting of the service router's proxy: what goes to a backend and what comes
 * back to the client. Hop-by-hop headers (and any a Connection header names) stay on their
 * hop, X-Forwarded-For/-Host/-Proto are added, and the body keeps its framing.
 */
import type { IncomingMessage } from 'node:http';

// RFC 9110 §7.6.1 hop-by-hop headers (lowercase). transfer-encoding is re-applied by node:http.
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

const NO_BODY_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'DELETE', 'TRACE']);

/** Lowercase names listed in a Connection header value (besides close/keep-alive), or null. */
function connectionTokens(value: string, into: Set<string> | null): Set<string> | null {
  if (value === 'keep-alive' || value === 'close') return into; // the usual case
  for (const token of value.split(',')) {
    const t = token.trim().toLowerCase();
    if (t !== '' && t !== 'close' && t !== 'keep-alive') (into ??= new Set()).add(t);
  }
  return into;
}

/** Drop from a flat header list the names a Connection header declared hop-by-hop (rare). */
function dropNamed(out: string[], names: Set<string>): string[] {
  const kept: string[] = [];
  for (let i = 0; i < out.length; i += 2) {
    if (!names.has(out[i]!.toLowerCase())) kept.push(out[i]!, out[i + 1]!);
  }
  return kept;
}

/**
 * Headers to send to the backend, as a flat raw list: hop-by-hop ones dropped (and any named
 * in Connection), X-Forwarded-For/-Host/-Proto added, body framing preserved. One pass.
 */
export function requestHeaders(req: IncomingMessage): { headers: string[]; hasBody: boolean } {
  const raw = req.rawHeaders;
  let out: string[] = [];
  let extraHop: Set<string> | null = null;
  let host: string | undefined;
  let xffIdx = -1;
  let hasXfh = false;
  let hasXfp = false;
  let chunked = false;
  let contentLength: string | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    const value = raw[i + 1]!;
    const lower = name.toLowerCase();
    if (HOP_BY_HOP.has(lower)) {
      if (lower === 'transfer-encoding') chunked = true;
      else if (lower === 'connection') extraHop = connectionTokens(value, extraHop);
      continue;
    }
    switch (lower) {
      case 'host':
        host = value;
        break;
      case 'content-length':
        contentLength = value;
        break;
      case 'x-forwarded-for':
        if (xffIdx >= 0) {
          // fold repeated X-Forwarded-For lines into one list
          out[xffIdx + 1] = `${out[xffIdx + 1]}, ${value}`;
          continue;
        }
        xffIdx = out.length;
        break;
      case 'x-forwarded-host':
        hasXfh = true;
        break;
      case 'x-forwarded-proto':
        hasXfp = true;
        break;
      case 'x-request-start':
        // Ours alone: set by the router when it makes the routing decision.
        continue;
      case 'expect':
        // node:http already answered "100 Continue" to the client; the body follows at once.
        continue;
    }
    out.push(name, value);
  }
  const clientIp = req.socket.remoteAddress ?? '';
  if (xffIdx >= 0) out[xffIdx + 1] = `${out[xffIdx + 1]}, ${clientIp}`;
  else out.push('X-Forwarded-For', clientIp);
  if (!hasXfh && host !== undefined) out.push('X-Forwarded-Host', host);
  if (!hasXfp) out.push('X-Forwarded-Proto', 'http');
  if (extraHop !== null) {
    // Never let a client strip what we add or what frames the body.
    for (const keep of ['x-forwarded-for', 'x-forwarded-host', 'x-forwarded-proto', 'host', 'content-length']) {
      extraHop.delete(keep);
    }
    out = dropNamed(out, extraHop);
  }

  let hasBody: boolean;
  if (chunked) {
    // Any transfer-coding from the client was decoded by node:http; re-frame as chunked.
    // (RFC 9112 §6.3: Transfer-Encoding overrides Content-Length; node refuses both anyway.)
    hasBody = true;
    if (contentLength !== undefined) out = dropNamed(out, new Set(['content-length']));
    out.push('Transfer-Encoding', 'chunked');
  } else {
    hasBody = contentLength !== undefined && contentLength !== '0';
    if (contentLength === undefined && !NO_BODY_METHODS.has(req.method ?? 'GET')) {
      // An empty POST/PUT: say so, or node:http would frame it as chunked.
      out.push('Content-Length', '0');
    }
  }
  return { headers: out, hasBody };
}

/** Backend response headers minus hop-by-hop ones (node:http re-frames the body). */
export function responseHeaders(raw: string[]): string[] {
  let extraHop: Set<string> | null = null;
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    const lower = name.toLowerCase();
    if (HOP_BY_HOP.has(lower)) {
      if (lower === 'connection') extraHop = connectionTokens(raw[i + 1]!, extraHop);
      continue;
    }
    out.push(name, raw[i + 1]!);
  }
  if (extraHop !== null) {
    extraHop.delete('content-length');
    return dropNamed(out, extraHop);
  }
  return out;
}
