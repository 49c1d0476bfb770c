/**
 * Given/when/then helpers for tests on real processes: the LocalRuntime (demo-service
 * instances behind a real router), the real orchestrator and service layer, the system
 * clock, and a bounded loopback load generator.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import http from 'node:http';
import { systemClock } from '../clock';
import type { Db } from '../db/client';
import { Orchestrator } from '../deploy/orchestrator';
import { claimDeployment } from '../state/leases';
import { LocalRuntime } from '../runtime/local/local-runtime';
import type { Runtime } from '../runtime/types';
import type { RuntimeExtras } from '../runtime/rpc';
import { createService, type CreateServiceInput } from '../services';
import { createVersion } from '../services/versions';
import { getDeployment, type ServiceContext } from '../services/deployments';
import { createDeployment } from '../services/create-deployment';
import { readEvents } from '../events/read';

export const ROOT = path.resolve(import.meta.dirname, '../..');
const ACTOR = 'test@flightdeck';

export class RealWorld<R extends Runtime & RuntimeExtras = LocalRuntime> {
  readonly runtime: R;
  readonly orchestrator: Orchestrator;
  readonly ctx: ServiceContext;

  /** With no runtime given: a LocalRuntime in this process. */
  constructor(
    readonly db: Db,
    runtime?: R,
  ) {
    this.runtime = runtime ?? (new LocalRuntime({ stateDir: mkdtempSync(path.join(tmpdir(), 'fd-runtime-')), baseDir: ROOT, routerBasePort: 0 }) as unknown as R);
    this.orchestrator = new Orchestrator({ db, runtime: this.runtime, clock: systemClock, analysisIntervalSeconds: 0.5, drainTimeoutMs: 5_000 });
    this.ctx = { db, clock: systemClock };
  }

  async service(input: Partial<CreateServiceInput> & { name: string }, versions: Array<{ version: string; config?: Record<string, string> }>) {
    const s = await createService(
      this.db,
      {
        replicas: 2,
        template: { command: 'node', args: ['lib/runtime/demo/service.mjs'] },
        health: { intervalSeconds: 0.2, timeoutSeconds: 1, gracePeriodSeconds: 5, unhealthyThreshold: 3 },
        ...input,
      },
      ACTOR,
    );
    for (const v of versions) await createVersion(this.db, s.name, v, ACTOR);
    return s;
  }

  /** Deploy and drive to the end in real time (sleeping at most 50 ms between steps). */
  async deploy(service: string, body: Record<string, unknown>, opts: { timeoutMs?: number } = {}) {
    const r = await createDeployment(this.ctx, service, body, ACTOR);
    if (r.dryRun) throw new Error('unexpected dry run');
    const lease = (await claimDeployment(this.db, r.deployment.id, 'real-worker', Date.now()))!;
    const until = Date.now() + (opts.timeoutMs ?? 60_000);
    for (;;) {
      const res = await this.orchestrator.advance(lease);
      if (res.status === 'done' || res.status === 'lost') break;
      if (Date.now() > until) throw new Error(`deployment ${r.deployment.id} did not finish in time`);
      if (res.status === 'wait') await new Promise((x) => setTimeout(x, Math.min(res.ms, 50)));
    }
    return getDeployment(this.db, r.deployment.id);
  }

  events(id: string) {
    return readEvents(this.db, id);
  }

  async address(service: string): Promise<string> {
    if (!this.runtime.serviceAddress) throw new Error('this runtime has no service addresses');
    return this.runtime.serviceAddress(service);
  }

  async close() {
    await (this.runtime as unknown as { close?: () => Promise<void> }).close?.();
  }
}

export interface Sample {
  /** When the client sent it (epoch ms). */
  start: number;
  end: number;
  status: number;
  version: string | null;
  /** When the router received and routed it (its `x-request-start: t=<ms>` stamp). */
  routedAt: number | null;
  error?: string;
}

/**
 * Closed-loop load on loopback: `concurrency` loops, each sending the next request as soon
 * as the previous one answered, until `stop()` (or `maxMs`). Bounded in time and count.
 */
export function load(url: string, opts: { concurrency: number; maxMs?: number; maxRequests?: number; path?: string }) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: opts.concurrency });
  const samples: Sample[] = [];
  let stopped = false;
  const deadline = Date.now() + (opts.maxMs ?? 60_000);
  const max = opts.maxRequests ?? 200_000;
  const one = () =>
    new Promise<Sample>((resolve) => {
      const start = Date.now();
      const req = http.get(`${url}${opts.path ?? '/'}`, { agent }, (res) => {
        res.resume();
        const stamp = /t=(\d+)/.exec(String(res.headers['x-request-start'] ?? ''));
        res.on('end', () =>
          resolve({
            start,
            end: Date.now(),
            status: res.statusCode ?? 0,
            version: (res.headers['x-flightdeck-version'] as string) ?? null,
            routedAt: stamp ? Number(stamp[1]) : null,
          }),
        );
      });
      req.on('error', (e) => resolve({ start, end: Date.now(), status: 0, version: null, routedAt: null, error: e.message }));
    });
  const loops = Array.from({ length: opts.concurrency }, async () => {
    while (!stopped && Date.now() < deadline && samples.length < max) samples.push(await one());
  });
  const done = Promise.all(loops).then(() => agent.destroy());
  return {
    samples,
    async stop() {
      stopped = true;
      await done;
      return samples;
    },
  };
}
