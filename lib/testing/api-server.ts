/**
 * REST API v1 over real HTTP without the Next.js build: a request listener that puts the
 * HTTP edge (lib/api/edge.ts, as `npm start` does) in front of the very route handlers under
 * app/ (the same modules Next serves), for tests that drive Flightdeck as an outside client
 * would (the CLI, the fuzz tests). Plug it into startNode({ requestHandler }) to get the
 * worker and live feed on the same port.
 */
import type http from 'node:http';
import { withEdge } from '../api/edge';
import { allowedMethods, matchRoute } from '../api/route-table';
import { stampClientAddress } from '../auth/client-address';
import { ROUTE_MODULES } from './routes';

/** Route pattern ("/api/v1/services/{name}") → its module. */
const BY_PATTERN = new Map(Object.entries(ROUTE_MODULES).map(([file, mod]) => ['/' + file.replace(/\/route\.ts$/, '').replace(/\[(\w+)\]/g, '{$1}'), mod]));

const inner: http.RequestListener = (req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('error', () => {}); // a client gone mid-body: the handler sees the aborted stream
  req.on('end', async () => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const segments = (req.url ?? '/').split(/[?#]/)[0]!.split('/').slice(1);
    const route = matchRoute(segments);
    if (route && req.method === 'OPTIONS') {
      res.writeHead(204, { allow: allowedMethods(route).join(', ') }).end();
      return;
    }
    const fn = route && BY_PATTERN.get(route.pattern)?.[(req.method === 'HEAD' ? 'GET' : req.method) as 'GET'];
    if (!route || !fn) {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code: 'not_found', message: `no route ${req.method} ${url.pathname}`, details: {} } }));
      return;
    }
    const params = Object.fromEntries(route.segments.flatMap((s, i) => (s.startsWith('{') ? [[s.slice(1, -1), decodeURIComponent(segments[i]!)]] : [])));
    const headers = new Headers();
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers.set(k, v);
    const body = req.method === 'GET' || req.method === 'HEAD' ? undefined : Buffer.concat(chunks);
    const response = await fn(new Request(url, { method: req.method, headers, body }), { params: Promise.resolve(params) });
    const payload = Buffer.from(await response.arrayBuffer());
    res.writeHead(response.status, Object.fromEntries(response.headers)).end(req.method === 'HEAD' ? undefined : payload);
  });
};

export const apiRequestHandler: http.RequestListener = (req, res) => {
  stampClientAddress(req);
  edged(req, res);
};
const edged = withEdge(inner);
