/**
 * The paths Flightdeck answers under /api (every operation of the OpenAPI document, which a
 * test holds equal to the route files and the methods they export) and /metrics, matched the
 * way the Next.js router matches them: a static segment wins over a `{param}` one. The HTTP
 * edge uses it to answer an unknown API path with 404 and a wrong method with 405 + Allow,
 * both with the error shape, before Next.js sees the request.
 */
import { API_OPERATIONS } from './openapi';

export interface RouteSpec {
  /** e.g. "/api/v1/services/{name}" */
  pattern: string;
  segments: string[];
  /** Methods the route file exports, upper case (HEAD and OPTIONS are implied). */
  methods: string[];
}

/** Routes outside /api that the edge also knows: the Prometheus exposition. */
const OTHER_ROUTES: Array<{ method: string; path: string }> = [{ method: 'GET', path: '/metrics' }];

function build(): RouteSpec[] {
  const byPath = new Map<string, Set<string>>();
  for (const op of [...API_OPERATIONS, ...OTHER_ROUTES]) (byPath.get(op.path) ?? byPath.set(op.path, new Set()).get(op.path)!).add(op.method);
  return [...byPath].map(([pattern, methods]) => ({ pattern, segments: pattern.split('/').slice(1), methods: [...methods].sort() }));
}

export const ROUTE_TABLE: readonly RouteSpec[] = build();

const isParam = (s: string) => s.startsWith('{');

/** The route these (raw) path segments name, or null. Segments are compared as sent: no decoding, no normalising. */
export function matchRoute(segments: readonly string[]): RouteSpec | null {
  let best: RouteSpec | null = null;
  let bestScore = '';
  for (const r of ROUTE_TABLE) {
    if (r.segments.length !== segments.length) continue;
    let score = '';
    let ok = true;
    for (let i = 0; i < segments.length && ok; i++) {
      if (isParam(r.segments[i]!)) {
        ok = segments[i] !== '';
        score += '0';
      } else {
        ok = r.segments[i] === segments[i];
        score += '1';
      }
    }
    // Static segments earlier in the path win, as in the Next.js router.
    if (ok && score > bestScore) [best, bestScore] = [r, score];
  }
  return best;
}

/** What an `Allow` header lists for a route. */
export function allowedMethods(r: RouteSpec): string[] {
  return [...new Set([...r.methods, ...(r.methods.includes('GET') ? ['HEAD'] : []), 'OPTIONS'])];
}
