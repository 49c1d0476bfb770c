/**
 * The runtime agent: Flightdeck's data plane on this host. It owns the instances (real
 * processes) and the service routers, and serves the Runtime interface over RPC to the
 * control plane. It is a separate, long-lived process, so restarting the control plane
 * drops no request; the control plane re-attaches through `agent.json` in its state folder.
 *   FLIGHTDECK_RUNTIME_DIR  state folder (agent.json, router-ports.json, agent.log)
 *   FLIGHTDECK_BASE_DIR     where relative commands resolve (the repository root)
 *   FLIGHTDECK_ROUTER_BASE_PORT  first port for service routers (4100)
 */
import { writeFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { serveRuntime } from '../rpc';
import { LocalRuntime } from './local-runtime';

const stateDir = process.env.FLIGHTDECK_RUNTIME_DIR ?? path.resolve('.data/runtime');
const baseDir = process.env.FLIGHTDECK_BASE_DIR ?? process.cwd();
const log = (m: string) => process.stdout.write(`${new Date().toISOString()} [runtime-agent] ${m}\n`);

// One local runtime per environment (its own routers and instances), sharing one port book.
const sharedPorts = new Set<number>();
const runtimes = new Map<string, LocalRuntime>();
function runtimeFor(scope: string | null): LocalRuntime {
  const key = scope ?? '';
  let r = runtimes.get(key);
  if (!r) {
    r = new LocalRuntime({
      stateDir: scope ? path.join(stateDir, 'env', scope) : stateDir,
      baseDir,
      routerBasePort: Number(process.env.FLIGHTDECK_ROUTER_BASE_PORT ?? 4100),
      sharedPorts,
      log: (m) => log(scope ? `[${scope}] ${m}` : m),
    });
    runtimes.set(key, r);
  }
  return r;
}
const rpc = await serveRuntime(runtimeFor);
const file = path.join(stateDir, 'agent.json');
writeFileSync(file, JSON.stringify({ pid: process.pid, url: rpc.url, startedAt: new Date().toISOString() }, null, 2));
log(`serving the local runtime on ${rpc.url} (pid ${process.pid})`);

let closing = false;
const shutdown = async (signal: string) => {
  if (closing) return;
  closing = true;
  log(`${signal}: stopping instances and routers`);
  rmSync(file, { force: true });
  await Promise.all([...runtimes.values()].map((r) => r.close()));
  await rpc.close();
  process.exit(0);
};
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
