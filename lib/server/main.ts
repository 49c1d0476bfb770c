/**
 * `npm start`: database (embedded unless DATABASE_URL), migrations, demo seed on an empty
 * database, the deployment worker, the live feed and the Next.js panel + API on PORT (3000).
 * Runs as dist/server.js, compiled by lib/build/build.mjs (which `npm start` runs first).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import next from 'next';
import { systemClock } from '../clock';
import { FakeRuntime } from '../runtime/fake';
import { RemoteRuntime } from '../runtime/rpc';
import { isServing } from '../runtime/types';
import { perEnvironment, setRuntimeResolver, type RuntimeResolver } from '../runtime/registry';
import { connectLocalRuntime } from '../runtime/local/connect';
import { readTokenFile } from '../runtime/agent-guard';
import { Fleet, fleetSettings, wantsFleet } from '../runtime/fleet/fleet';
import { hostDirectory } from '../services/hosts';
import { hostname } from 'node:os';
import { getDb } from '../db/client';
import { prepareDatabase, ROOT } from './database';
import { startNode } from './node';
import { DEMO_ENVIRONMENTS, DEMO_TRAFFIC, hasDemo, isEmpty, seedCatalog, seedHistory } from '../../prisma/seed';
import { startDemoTraffic } from '../runtime/demo/traffic';
import { ensureFirstAdmin } from '../auth/bootstrap';
import { stampClientAddress } from '../auth/client-address';
import { auditRefusal, withEdge } from '../api/edge';
import { isMissingPage } from '../panel/missing-page';
import { observeHttp, startControlPlaneMetrics } from '../observability/metrics';
import type http from 'node:http';
import { onStopSignals, releasableClock, stopInOrder, type RunningParts } from './shutdown';

const log = (m: string) => console.log(`[flightdeck] ${m}`);

/**
 * Each environment's runtime: one scope per environment in the same runtime agent (or
 * simulated); FLIGHTDECK_RUNTIME=fleet — or an environment whose runtime.driver is "fleet" —
 * runs on the registered hosts behind HAProxy (started on first use).
 */
async function createRuntimes(dataDir: string): Promise<RuntimeResolver> {
  const spec = process.env.FLIGHTDECK_RUNTIME ?? 'local';
  const fleet = new Fleet({ dir: path.join(dataDir, 'fleet'), directory: hostDirectory(getDb()), ...fleetSettings(process.env), log });
  const withFleet = (others: RuntimeResolver): RuntimeResolver => (env) => (wantsFleet(env) ? fleet.runtimeFor(env) : others(env));
  if (spec === 'fleet') return (env) => fleet.runtimeFor(env);
  if (spec.startsWith('remote:')) {
    const url = spec.slice('remote:'.length);
    const tokenFile = process.env.FLIGHTDECK_AGENT_TOKEN_FILE;
    const token = tokenFile ? readTokenFile(tokenFile) : undefined;
    return withFleet(perEnvironment((env) => new RemoteRuntime(url, env.name, { token })));
  }
  if (spec === 'local') {
    // Real processes behind Flightdeck's routers, in a runtime agent that outlives this
    // process: a restart of the control plane re-attaches to it and drops no request.
    const { agent, token } = await connectLocalRuntime({ stateDir: path.join(dataDir, 'runtime'), baseDir: ROOT, log });
    return withFleet(perEnvironment((env) => new RemoteRuntime(agent.url, env.name, { token })));
  }
  if (spec === 'simulated') {
    // Instances simulated in memory, each service receiving a steady 20 requests/s.
    return withFleet(
      perEnvironment(
        () =>
          new (class extends FakeRuntime {
            override async scale(...args: Parameters<FakeRuntime['scale']>) {
              this.setLoad(args[0].service, 20);
              return super.scale(...args);
            }
          })(systemClock),
      ),
    );
  }
  if (spec === 'kubernetes') {
    // A cluster per environment's settings (namespace, kubeconfig context, Gateway, Prometheus); kubeconfig from KUBECONFIG, ~/.kube/config or in-cluster.
    const { kubernetesResolver } = await import('../runtime/kubernetes/resolver');
    return withFleet(kubernetesResolver(process.env));
  }
  throw new Error(`unknown FLIGHTDECK_RUNTIME ${spec}: use local, fleet, simulated, kubernetes or remote:<url>`);
}

/** A path no page has: Next.js renders its not-found page there, with a 404 status. */
const NOT_FOUND_PATH = '/_flightdeck/not-found';
let stopping = false;

// No network here, and none wanted: Next.js must not try to send telemetry.
process.env.NEXT_TELEMETRY_DISABLED ??= '1';

async function main() {
  const dev = process.env.NODE_ENV === 'development';
  const port = Number(process.env.PORT ?? 3000);
  // The panel is built before this process starts (npm start builds what is missing or stale).
  if (!dev && !existsSync(path.join(ROOT, '.next', 'BUILD_ID'))) throw new Error('the panel is not built: start with `npm start` (or run `npm run build` first)');
  const { url, cluster, dataDir } = await prepareDatabase(log);
  process.env.DATABASE_URL = url;
  // From here a stop signal stops what has started, in order (lib/server/shutdown.ts).
  const running: RunningParts = { log, clock: releasableClock(), cluster };
  onStopSignals((signal) => {
    stopping = true;
    return stopInOrder(running, signal);
  });

  const app = next({ dev, dir: ROOT, port, hostname: 'localhost' });
  running.app = app;
  await app.prepare();
  const handle = app.getRequestHandler();
  const db = getDb();
  running.db = db;

  /** Next.js serves what the edge lets through; a page about a missing thing gets a real 404 status. */
  const serve = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const document = req.method === 'GET' && !req.headers.rsc;
    if (document && (await isMissingPage(db, req.url ?? '/', req.headers.cookie).catch(() => false))) {
      return handle(req, res, { pathname: NOT_FOUND_PATH, query: {}, search: null, path: NOT_FOUND_PATH, href: NOT_FOUND_PATH } as never);
    }
    return handle(req, res);
  };

  const edge = withEdge((req, res) => void serve(req, res), { observe: observeHttp, onRefused: (req, e) => void auditRefusal(db, req, e) });

  const runtimes = await createRuntimes(dataDir);
  setRuntimeResolver(runtimes);
  await startControlPlaneMetrics(db);
  const node = await startNode({
    databaseUrl: url,
    runtime: runtimes({ name: 'default' }),
    runtimeFor: runtimes,
    port,
    // A stable identity per host and port: after a restart this worker takes its own
    // deployments back at once instead of waiting for their leases to expire.
    owner: process.env.FLIGHTDECK_WORKER_ID ?? `${hostname()}:${port}`,
    resumeOwn: true,
    clock: running.clock,
    // Every request meets the edge first: malformed paths, unknown API paths and wrong
    // methods are answered there with the error shape; each exchange is timed for /metrics.
    requestHandler: (req, res) => {
      stampClientAddress(req);
      edge(req, res);
    },
    log,
  });
  running.node = node;
  log(`panel and API on http://localhost:${port} (health: /api/health)`);

  await ensureFirstAdmin(db, process.env, log);
  if (process.env.FLIGHTDECK_SEED !== '0' && (await isEmpty(db))) {
    await seedCatalog({ db });
    log('demo: services and versions registered');
    void seedHistory({ db }, log).catch((e) => stopping || log(`demo seed stopped: ${(e as Error).message}`));
  }
  // The demo's own users: a steady trickle of requests to each demo service in each environment (loopback only).
  const demoTraffic =
    process.env.FLIGHTDECK_DEMO_TRAFFIC !== '0' && (await hasDemo(db))
      ? Object.values(DEMO_ENVIRONMENTS).map((name) => {
          const runtime = runtimes({ name });
          return startDemoTraffic({
            rates: DEMO_TRAFFIC,
            // Only once a version serves: the demo's users arrive after the first deployment.
            address: async (s) => (runtime.serviceAddress && isServing(await runtime.getRoutes(s)) ? runtime.serviceAddress(s) : null),
          });
        })
      : null;
  if (demoTraffic) log(`demo: sending traffic to the demo services (${Object.entries(DEMO_TRAFFIC).map(([s, r]) => `${s} ${r}/s`).join(', ')}); FLIGHTDECK_DEMO_TRAFFIC=0 turns it off`);

  running.demoTraffic = demoTraffic;
}

main().catch((e) => {
  if (stopping) return; // stopped while starting: the shutdown says so and sets the exit status
  console.error('[flightdeck] failed to start:', e);
  process.exit(1);
});
