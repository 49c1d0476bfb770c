/**
 * A worker process SIGKILLed while it holds a deployment, and another process with a different
 * worker id taking it over — as the takeover test and benchmark stage it. Both are real
 * Flightdeck processes (lib/testing/flightdeck-process.ts) on one database, driving one
 * FakeRuntime served over HTTP by the caller; leases keep the default 300 s TTL, so a takeover
 * within seconds can only come from the holder's presence lock vanishing with its process.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { Db } from '../db/client';
import { readEvents } from '../events/read';
import { readLease } from '../state/leases';
import { getDeployment } from '../services/deployments';
import { controlDeployment } from '../services/control-deployment';
import { createService } from '../services/services';
import { createVersion } from '../services/versions';
import type { FakeRuntime } from '../runtime/fake';
import type { StoredEvent } from '../events/append';
import { until } from './until';

const ROOT = path.resolve(import.meta.dirname, '../..');

export interface FlightdeckProc {
  child: ChildProcess;
  url: string;
  stderr: () => string;
}

/** Start lib/testing/flightdeck-process.ts as `owner`; resolves once it listens. */
export async function spawnFlightdeck(o: { databaseUrl: string; runtimeUrl: string; owner: string; env?: Record<string, string> }): Promise<FlightdeckProc> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'lib/testing/flightdeck-process.ts')], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: o.databaseUrl, FLIGHTDECK_RUNTIME_URL: o.runtimeUrl, FLIGHTDECK_OWNER: o.owner, ...o.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr!.on('data', (b: Buffer) => (err += b.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`${o.owner} did not start:\n${err}`)), 60_000);
    child.stdout!.on('data', (b: Buffer) => {
      out += b.toString();
      const m = out.match(/READY (\S+)/);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.once('exit', (code) => reject(new Error(`${o.owner} exited with ${code}:\n${err}`)));
  });
  return { child, url, stderr: () => err };
}

export interface TakeoverReport {
  /** From the SIGKILL to the other worker's takeover committed on the timeline, in seconds. */
  secondsToResume: number;
  takeover: StoredEvent;
  tokenBefore: number;
  tokenAfter: number;
  finalState: string;
  seqs: number[];
}

/**
 * Process A runs a canary; while it analyses (a long window), process B (another worker id) is
 * running too and A is SIGKILLed. B must take the deployment over; promoted, B finishes it.
 */
export async function takeover(o: { db: Db; databaseUrl: string; runtime: FakeRuntime; runtimeUrl: string; service: string }): Promise<TakeoverReport> {
  const procs: FlightdeckProc[] = [];
  try {
    await createService(o.db, { name: o.service, replicas: 2, template: { command: 'demo' }, health: { intervalSeconds: 0.2, gracePeriodSeconds: 5 } }, 'takeover@flightdeck');
    for (const v of ['1.0.0', '2.0.0']) await createVersion(o.db, o.service, { version: v }, 'takeover@flightdeck');
    o.runtime.setLoad(o.service, 200);
    const env = { FLIGHTDECK_LEASE_TTL_SECONDS: '300' };
    const a = await spawnFlightdeck({ databaseUrl: o.databaseUrl, runtimeUrl: o.runtimeUrl, owner: 'takeover-a', env });
    procs.push(a);
    const deploy = async (body: Record<string, unknown>) => {
      const res = await fetch(`${a.url}/deploy/${o.service}`, { method: 'POST', body: JSON.stringify(body) });
      if (res.status !== 202) throw new Error(`deploy answered ${res.status}: ${await res.text()}`);
      return ((await res.json()) as { id: string }).id;
    };
    const first = await deploy({ version: '1.0.0' });
    await until('the first deployment', async () => (await getDeployment(o.db, first)).state === 'succeeded', 60_000);
    const id = await deploy({ version: '2.0.0', strategy: 'canary', params: { steps: [50], windowSeconds: 600, minSamples: 10 } });
    await until('A to be analysing', async () => (await readEvents(o.db, id)).some((e) => e.type === 'analysis_started'), 60_000);
    const row = await o.db.deployment.findUniqueOrThrow({ where: { id } });
    const held = await readLease(o.db, row.serviceId, row.environmentId);
    if (held?.owner !== 'takeover-a') throw new Error(`expected takeover-a to hold the lease, found ${held?.owner}`);
    const b = await spawnFlightdeck({ databaseUrl: o.databaseUrl, runtimeUrl: o.runtimeUrl, owner: 'takeover-b', env });
    procs.push(b);
    const killedAt = Date.now();
    a.child.kill('SIGKILL');
    const takeoverEvent = await until(
      'B to take over',
      async () => (await readEvents(o.db, id)).find((e) => e.type === 'worker_took_over'),
      { timeoutMs: 60_000, everyMs: 20 },
    ).catch(async (e: Error) => {
      const lease = await o.db.$queryRaw`SELECT owner, presence, token, expires_at FROM leases WHERE deployment_id = ${id}::uuid`;
      throw new Error(`${e.message}\nlease: ${JSON.stringify(lease, (_k, v) => (typeof v === 'bigint' ? Number(v) : v))}\nB's log:\n${b.stderr().slice(-3000)}`);
    });
    const secondsToResume = (Date.parse(takeoverEvent.at) - killedAt) / 1000;
    await controlDeployment({ db: o.db }, id, 'promote', {}, 'takeover@flightdeck');
    const done = await until('B to finish it', async () => {
      const d = await getDeployment(o.db, id);
      return ['succeeded', 'failed', 'aborted'].includes(d.state) && d;
    }, 90_000);
    const seqs = (await readEvents(o.db, id)).map((e) => e.seq);
    return {
      secondsToResume,
      takeover: takeoverEvent,
      tokenBefore: held.token,
      tokenAfter: Number((takeoverEvent.data as { token: number }).token),
      finalState: done.state,
      seqs,
    };
  } finally {
    for (const p of procs) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
  }
}
