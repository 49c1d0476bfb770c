/**
 * The runtime agent: Flightdeck's data plane on a host. It owns the instances (real processes)
 * and serves the Runtime interface over authenticated RPC to the control plane. It is a
 * separate, long-lived process, so restarting the control plane drops no request.
 *
 * Two roles:
 *  - single host (`--routers`, what the control plane starts for itself): one LocalRuntime per
 *    environment scope, instances behind Flightdeck's own service routers on this host;
 *  - fleet host (`npx flightdeck agent`, one per machine): the instances the control plane
 *    places here, listening on this host's address for HAProxy at the edge; no routers.
 *
 *   --listen ADDR:PORT      where to serve RPC (default 127.0.0.1:0, any free port)
 *   --token-file FILE       the token every call must present (required; 16+ characters)
 *   --tls-cert FILE --tls-key FILE   serve HTTPS with this certificate
 *   --state-dir DIR         agent.json, fences.json, audit.log, instances (FLIGHTDECK_RUNTIME_DIR)
 *   --advertise ADDR        fleet host: the address instances listen on (default: the --listen address)
 *   --routers               single-host role
 * Environment: FLIGHTDECK_BASE_DIR (where relative commands resolve), FLIGHTDECK_ROUTER_BASE_PORT (4100).
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { readTokenFile } from '../agent-guard';
import { RUNTIME_PROTOCOL, serveRuntime } from '../rpc';
import { HostRuntime } from '../fleet/host-runtime';
import { LocalRuntime } from './local-runtime';

const USAGE = `usage: flightdeck agent --listen ADDR:PORT --token-file FILE [--tls-cert FILE --tls-key FILE] [--state-dir DIR] [--advertise ADDR]
Runs the Flightdeck runtime agent of this host. Register it with the control plane as an admin:
  POST /api/v1/hosts {"name":"web-1","address":"http(s)://ADDR:PORT","token":"<the token>","labels":{"pool":"web"}}`;

function fail(message: string): never {
  process.stderr.write(`flightdeck agent: ${message}\n${USAGE}\n`);
  process.exit(2);
}

function options() {
  let parsed;
  try {
    parsed = parseArgs({
      args: process.argv.slice(2),
      allowPositionals: true,
      options: {
        listen: { type: 'string' },
        'token-file': { type: 'string' },
        'tls-cert': { type: 'string' },
        'tls-key': { type: 'string' },
        'state-dir': { type: 'string' },
        advertise: { type: 'string' },
        routers: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (e) {
    fail((e as Error).message);
  }
  const o = parsed.values;
  if (o.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const extra = parsed.positionals.filter((p) => p !== 'agent');
  if (extra.length) fail(`unexpected argument ${extra[0]}`);
  const listen = o.listen ?? '127.0.0.1:0';
  const m = /^(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(listen);
  if (!m || Number(m[2]) > 65535) fail(`--listen takes ADDR:PORT, got ${listen}`);
  const host = m[1]!.replace(/^\[|\]$/g, '');
  if (!o['token-file']) fail('--token-file is required: every call of the agent must present this token');
  let token: string;
  try {
    token = readTokenFile(o['token-file']);
  } catch (e) {
    fail((e as Error).message);
  }
  if (!!o['tls-cert'] !== !!o['tls-key']) fail('--tls-cert and --tls-key go together');
  const tls = o['tls-cert'] ? { cert: readFileSync(o['tls-cert']), key: readFileSync(o['tls-key']!) } : undefined;
  const routers = o.routers === true;
  const stateDir = path.resolve(o['state-dir'] ?? process.env.FLIGHTDECK_RUNTIME_DIR ?? (routers ? '.data/runtime' : '.data/agent'));
  const advertise = o.advertise ?? (host === '0.0.0.0' || host === '::' ? fail('--advertise is needed with a wildcard --listen address: instances must listen where the edge reaches them') : host);
  return { host, port: Number(m[2]), token, tls, routers, stateDir, advertise };
}

const o = options();
const baseDir = process.env.FLIGHTDECK_BASE_DIR ?? process.cwd();
const log = (m: string) => process.stdout.write(`${new Date().toISOString()} [runtime-agent] ${m}\n`);
mkdirSync(o.stateDir, { recursive: true });

// One runtime per environment scope. Single host: LocalRuntimes sharing one router port book.
const sharedPorts = new Set<number>();
const runtimes = new Map<string, LocalRuntime | HostRuntime>();
function runtimeFor(scope: string | null): LocalRuntime | HostRuntime {
  const key = scope ?? '';
  let r = runtimes.get(key);
  if (!r) {
    const dir = scope ? path.join(o.stateDir, 'env', scope) : o.stateDir;
    const scoped = (m: string) => log(scope ? `[${scope}] ${m}` : m);
    r = o.routers
      ? new LocalRuntime({ stateDir: dir, baseDir, routerBasePort: Number(process.env.FLIGHTDECK_ROUTER_BASE_PORT ?? 4100), sharedPorts, log: scoped })
      : new HostRuntime({ stateDir: path.join(dir, 'host'), baseDir, bindHost: o.advertise, log: scoped });
    runtimes.set(key, r);
  }
  return r;
}

// A fleet host adopts the instances its previous life left running, in every scope it served,
// before it answers its first call.
if (!o.routers) {
  runtimeFor(null);
  for (const scope of scopesOnDisk(path.join(o.stateDir, 'env'))) runtimeFor(scope);
}

function scopesOnDisk(dir: string): string[] {
  try {
    return readdirSync(dir).filter((s) => /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/.test(s));
  } catch {
    return [];
  }
}

const rpc = await serveRuntime(runtimeFor, {
  host: o.host,
  port: o.port,
  token: o.token,
  tls: o.tls,
  stateDir: o.stateDir,
  log,
  info: () => ({
    role: o.routers ? 'single-host' : 'fleet-host',
    capacity: {
      cpus: os.cpus().length,
      memoryMb: Math.round(os.totalmem() / 2 ** 20),
      instances: [...runtimes.values()].reduce((n, r) => n + (r instanceof HostRuntime ? r.running() : 0), 0),
    },
  }),
});
const file = path.join(o.stateDir, 'agent.json');
writeFileSync(file, JSON.stringify({ pid: process.pid, url: rpc.url, protocol: RUNTIME_PROTOCOL, role: o.routers ? 'single-host' : 'fleet-host', startedAt: new Date().toISOString() }, null, 2));
log(`serving the ${o.routers ? 'single-host runtime' : 'fleet host runtime'} on ${rpc.url} (pid ${process.pid}${o.tls ? ', TLS' : ''})`);

let closing = false;
const shutdown = async (signal: string) => {
  if (closing) return;
  closing = true;
  log(`${signal}: stopping instances${o.routers ? ' and routers' : ''}`);
  rmSync(file, { force: true });
  await Promise.all([...runtimes.values()].map((r) => r.close()));
  await rpc.close();
  process.exit(0);
};
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
