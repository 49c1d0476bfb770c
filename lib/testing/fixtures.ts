/**
 * Given/when/then helpers for orchestrator tests: services and versions through the real
 * service layer, deployments run by the real orchestrator against the FakeRuntime under a
 * ManualClock.
 */
import { ManualClock } from '../clock';
import type { Db } from '../db/client';
import { FakeRuntime } from '../runtime/fake';
import { Orchestrator } from '../deploy/orchestrator';
import { claimDeployment, type LeaseHandle } from '../state/leases';
import { drive } from './drive';
import { createService, type CreateServiceInput } from '../services';
import { createVersion } from '../services/versions';
import { getDeployment, type ServiceContext } from '../services/deployments';
import { createDeployment } from '../services/create-deployment';
import { readEvents } from '../events/read';

export const ACTOR = 'test@flightdeck';

export class World {
  readonly clock = new ManualClock();
  /** The runtime of the database's first environment ("production" in a fresh test database). */
  readonly runtime = new FakeRuntime(this.clock);
  /** Every other environment gets a FakeRuntime of its own, made on first use. */
  private readonly others = new Map<string, FakeRuntime>();
  readonly orchestrator: Orchestrator;
  readonly ctx: ServiceContext;

  constructor(readonly db: Db, opts: { leaseTtlSeconds?: number } = {}) {
    this.orchestrator = new Orchestrator({ db, runtime: this.runtime, runtimeFor: (env) => this.runtimeOf(env.name), clock: this.clock, analysisIntervalSeconds: 10 });
    this.ctx = { db, clock: this.clock, leaseTtlSeconds: opts.leaseTtlSeconds };
  }

  /** The FakeRuntime of an environment ("production", the migrated default, is `runtime`). */
  runtimeOf(environment: string): FakeRuntime {
    if (environment === 'production') return this.runtime;
    let r = this.others.get(environment);
    if (!r) {
      r = new FakeRuntime(this.clock);
      this.others.set(environment, r);
    }
    return r;
  }

  async service(input: Partial<CreateServiceInput> & { name: string }, versions: Array<string | { version: string; config?: Record<string, string> }> = []) {
    const s = await createService(
      this.db,
      { replicas: 1, template: { command: 'demo-service' }, health: { intervalSeconds: 5, gracePeriodSeconds: 60 }, ...input },
      ACTOR,
    );
    for (const v of versions) {
      await createVersion(this.db, s.name, typeof v === 'string' ? { version: v } : v, ACTOR);
    }
    return s;
  }

  /** Queue a deployment and claim its lease as worker `owner`. */
  async start(service: string, body: Record<string, unknown>, owner = 'worker-a'): Promise<{ id: string; lease: LeaseHandle }> {
    const r = await createDeployment(this.ctx, service, body, ACTOR);
    if (r.dryRun) throw new Error('unexpected dry run');
    const lease = await claimDeployment(this.db, r.deployment.id, owner, this.clock.now());
    if (!lease) throw new Error(`could not claim lease of ${r.deployment.id}`);
    return { id: r.deployment.id, lease };
  }

  async run(lease: LeaseHandle, opts: Omit<Parameters<typeof drive>[0], 'db' | 'orchestrator' | 'clock' | 'lease'> = {}) {
    return drive({ db: this.db, orchestrator: this.orchestrator, clock: this.clock, lease, ...opts });
  }

  /** Deploy and run to the end; returns the final deployment. */
  async deploy(service: string, body: Record<string, unknown>) {
    const { id, lease } = await this.start(service, body);
    await this.run(lease);
    return getDeployment(this.db, id);
  }

  events(id: string) {
    return readEvents(this.db, id);
  }
}
