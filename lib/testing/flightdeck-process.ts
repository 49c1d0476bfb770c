/**
 * A Flightdeck process for the multi-process tests: worker and live feed on one port, with
 * the runtime served by the test (RemoteRuntime) and a minimal deploy endpoint that calls the
 * same service-layer function as POST /api/v1/services/{name}/deployments. Prints
 * "READY <url>" once listening.
 *   DATABASE_URL, FLIGHTDECK_RUNTIME_URL (+ FLIGHTDECK_RUNTIME_TOKEN for an agent), FLIGHTDECK_OWNER, FLIGHTDECK_WORKER=0 to disable
 */
import { startNode } from '../server/node';
import { RemoteRuntime } from '../runtime/rpc';
import { createDeployment } from '../services/create-deployment';
import { errorResponse } from '../api/http';
import type http from 'node:http';

const databaseUrl = process.env.DATABASE_URL!;
let handleDeploy: http.RequestListener = (_req, res) => res.writeHead(503).end();

const node = await startNode({
  databaseUrl,
  runtime: new RemoteRuntime(process.env.FLIGHTDECK_RUNTIME_URL!, null, { token: process.env.FLIGHTDECK_RUNTIME_TOKEN }),
  port: 0,
  hostname: '127.0.0.1',
  owner: process.env.FLIGHTDECK_OWNER,
  worker: process.env.FLIGHTDECK_WORKER !== '0',
  resumeOwn: process.env.FLIGHTDECK_RESUME_OWN === '1',
  pollMs: 200,
  requestHandler: (req, res) => handleDeploy(req, res),
  log: (m) => process.stderr.write(`${m}\n`),
});

handleDeploy = (req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', async () => {
    const service = decodeURIComponent(req.url!.split('/')[2] ?? '');
    let response: Response;
    try {
      const body = JSON.parse(Buffer.concat(chunks).toString() || '{}');
      const r = await createDeployment({ db: node.db }, service, body, `process:${process.env.FLIGHTDECK_OWNER}`);
      response = Response.json(r.dryRun ? r : r.deployment, { status: 202 });
    } catch (e) {
      response = errorResponse(e);
    }
    res.writeHead(response.status, { 'content-type': 'application/json' }).end(await response.text());
  });
};

process.stdout.write(`READY ${node.url}\n`);
process.on('SIGTERM', () => void node.close().then(() => process.exit(0)));
