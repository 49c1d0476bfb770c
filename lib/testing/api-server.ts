/**
 * REST API v1 over real HTTP without the Next.js build: a request listener that routes
 * `/api/v1/...` to the very route handlers under app/ (the same modules Next serves), for
 * tests that drive Flightdeck as an outside client would (the CLI). Plug it into
 * startNode({ requestHandler }) to get the worker and live feed on the same port.
 */
import type http from 'node:http';
import * as services from '@/app/api/v1/services/route';
import * as service from '@/app/api/v1/services/[name]/route';
import * as versions from '@/app/api/v1/services/[name]/versions/route';
import * as deployments from '@/app/api/v1/services/[name]/deployments/route';
import * as rollback from '@/app/api/v1/services/[name]/rollback/route';
import * as deployment from '@/app/api/v1/deployments/[id]/route';
import * as events from '@/app/api/v1/deployments/[id]/events/route';
import * as action from '@/app/api/v1/deployments/[id]/[action]/route';
import * as releases from '@/app/api/v1/releases/route';
import * as release from '@/app/api/v1/releases/[id]/route';
import * as me from '@/app/api/v1/auth/me/route';
import * as promote from '@/app/api/v1/services/[name]/promote/route';
import * as approve from '@/app/api/v1/deployments/[id]/approve/route';
import * as reject from '@/app/api/v1/deployments/[id]/reject/route';
import * as environments from '@/app/api/v1/environments/route';

type Mod = Partial<Record<'GET' | 'POST' | 'PATCH' | 'DELETE', (req: Request, ctx: { params: Promise<Record<string, string>> }) => Promise<Response>>>;
const TABLE: Array<[string, Mod]> = [
  ['/api/v1/services', services as unknown as Mod],
  ['/api/v1/services/:name', service as unknown as Mod],
  ['/api/v1/services/:name/versions', versions as unknown as Mod],
  ['/api/v1/services/:name/deployments', deployments as unknown as Mod],
  ['/api/v1/services/:name/rollback', rollback as unknown as Mod],
  ['/api/v1/deployments/:id', deployment as unknown as Mod],
  ['/api/v1/deployments/:id/events', events as unknown as Mod],
  ['/api/v1/services/:name/promote', promote as unknown as Mod],
  ['/api/v1/deployments/:id/approve', approve as unknown as Mod],
  ['/api/v1/deployments/:id/reject', reject as unknown as Mod],
  ['/api/v1/deployments/:id/:action', action as unknown as Mod],
  ['/api/v1/environments', environments as unknown as Mod],
  ['/api/v1/releases', releases as unknown as Mod],
  ['/api/v1/releases/:id', release as unknown as Mod],
  ['/api/v1/auth/me', me as unknown as Mod],
];

function match(pattern: string, path: string): Record<string, string> | null {
  const p = pattern.split('/');
  const a = path.split('/');
  if (p.length !== a.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < p.length; i++) {
    if (p[i]!.startsWith(':')) params[p[i]!.slice(1)] = decodeURIComponent(a[i]!);
    else if (p[i] !== a[i]) return null;
  }
  return params;
}

export const apiRequestHandler: http.RequestListener = (req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', async () => {
    const url = new URL(req.url ?? '/', `http://${req.headers.host ?? 'localhost'}`);
    const hit = TABLE.map(([pattern, mod]) => [match(pattern, url.pathname), mod] as const).find(([p]) => p);
    const fn = hit?.[1][req.method as 'GET'];
    if (!hit || !fn) {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code: 'not_found', message: `no route ${req.method} ${url.pathname}`, details: {} } }));
      return;
    }
    const headers = new Headers();
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers.set(k, v);
    const body = req.method === 'GET' || req.method === 'HEAD' ? undefined : Buffer.concat(chunks);
    const response = await fn(new Request(url, { method: req.method, headers, body }), { params: Promise.resolve(hit[0]!) });
    res.writeHead(response.status, Object.fromEntries(response.headers)).end(Buffer.from(await response.arrayBuffer()));
  });
};
