/**
 * A fleet on one machine for tests and benchmarks: hosts in network namespaces (fleet-hosts.ts),
 * registered through the hosts use case, a Fleet (HAProxy at the edge, heartbeats) in this
 * process, and a RealWorld whose orchestrator deploys onto it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Db } from '../db/client';
import { Fleet } from '../runtime/fleet/fleet';
import { setRuntime } from '../runtime/registry';
import type { FleetRuntime } from '../runtime/fleet/driver';
import { hostDirectory, registerHost } from '../services/hosts';
import { claimDeployment, type LeaseHandle } from '../state/leases';
import { getDeployment } from '../services/deployments';
import { createDeployment } from '../services/create-deployment';
import { createNetnsHosts, type NetnsHosts } from './fleet-hosts';
import { RealWorld } from './real-world';
import { until } from './until';

export const ACTOR = 'test@flightdeck';

export interface FleetWorld {
  netns: NetnsHosts;
  fleet: Fleet;
  runtime: FleetRuntime;
  w: RealWorld<FleetRuntime>;
  /** What the fleet logged (the last 1,000 lines, timed): shown when a test fails. */
  log: string[];
  /** Start a deployment and drive it in the background until it ends or `stopWhen` holds. */
  start(service: string, body: Record<string, unknown>, stopWhen?: (state: string) => boolean): Promise<{ id: string; lease: LeaseHandle; driven: Promise<string> }>;
  /** Drive a deployment (again, after a resume) until it ends or `stopWhen` holds. */
  drive(lease: LeaseHandle, stopWhen?: (state: string) => boolean): Promise<string>;
  close(): Promise<void>;
}

export async function startFleetWorld(db: Db, opts: { net: number; hosts?: number; labels?: Record<string, string>; downAfterMs?: number }): Promise<FleetWorld> {
  const netns = await createNetnsHosts({ count: opts.hosts ?? 3, net: opts.net, prefix: `n${opts.net}` });
  const dir = mkdtempSync(path.join(tmpdir(), `fd-fleet-cp-${opts.net}-`));
  try {
    return await startOn(db, netns, dir, opts);
  } catch (e) {
    await netns.cleanup();
    throw e;
  }
}

async function startOn(db: Db, netns: NetnsHosts, dir: string, opts: { net: number; labels?: Record<string, string>; downAfterMs?: number }): Promise<FleetWorld> {
  const log: string[] = [];
  const fleet = new Fleet({
    dir,
    directory: hostDirectory(db),
    edge: { bind: '127.0.0.1', basePort: 20_000 + opts.net * 10 },
    downAfterMs: opts.downAfterMs ?? 2000,
    log: (m) => {
      log.push(`${new Date().toISOString().slice(11, 23)} ${m}`);
      if (log.length > 1000) log.splice(0, log.length - 1000);
      if (process.env.FLEET_LOG) process.stderr.write(`[fleet] ${m}\n`);
    },
  });
  for (const h of netns.hosts) await registerHost(db, { name: h.name, address: h.address, token: h.token, labels: opts.labels ?? {} }, ACTOR);
  const core = await fleet.ready().catch(async (e) => {
    await fleet.close({ stopEdge: true });
    throw e;
  });
  await until('every host ready', () => core.monitor.hosts().every((h) => h.reachability === 'ready'), { timeoutMs: 20_000 });
  const runtime = fleet.runtimeFor({ name: 'production', runtime: {} });
  setRuntime(runtime); // what the use cases (instances, plan previews) ask for
  const w = new RealWorld<FleetRuntime>(db, runtime);
  const ended = (s: string) => ['succeeded', 'failed', 'aborted'].includes(s);
  /** Advance the deployment in real time until it ends or `stopWhen` holds; its state then. */
  const drive = async (lease: LeaseHandle, stopWhen: (state: string) => boolean = ended): Promise<string> => {
    const deadline = Date.now() + 120_000;
    for (;;) {
      const res = await w.orchestrator.advance(lease);
      const { state, phase } = await getDeployment(db, lease.deploymentId);
      if (res.status === 'done' || res.status === 'lost' || stopWhen(state)) return state;
      if (Date.now() > deadline) {
        const last = (await w.events(lease.deploymentId)).slice(-3).map((e) => `${e.type}: ${e.message}`);
        throw new Error(`deployment ${lease.deploymentId} did not reach the awaited state in time (${state}: ${phase}); its last events:\n${last.join('\n')}`);
      }
      if (res.status === 'wait') await new Promise((x) => setTimeout(x, Math.min(res.ms, 250)));
    }
  };
  return {
    netns,
    fleet,
    runtime,
    w,
    log,
    async start(service, body, stopWhen) {
      const r = await createDeployment(w.ctx, service, body, ACTOR);
      if (r.dryRun) throw new Error('unexpected dry run');
      const lease = (await claimDeployment(db, r.deployment.id, 'fleet-test-worker', Date.now()))!;
      return { id: r.deployment.id, lease, driven: drive(lease, stopWhen) };
    },
    drive,
    async close() {
      await fleet.close({ stopEdge: true });
      await netns.cleanup();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
