/**
 * Drive one deployment to its end under a ManualClock: advance; when the orchestrator
 * waits, move the clock instead of sleeping; renew the lease as a worker's heartbeat would.
 * For tests and benchmarks that need 300-second windows without waiting 300 seconds.
 */
import type { ManualClock } from '../clock';
import type { Db } from '../db/client';
import { renewLease, type LeaseHandle } from '../state/leases';
import type { AdvanceResult, Orchestrator } from '../deploy/orchestrator';

export async function drive(opts: {
  db: Db;
  orchestrator: Orchestrator;
  clock: ManualClock;
  lease: LeaseHandle;
  /** Stop early when this returns true (checked after every advance). */
  until?: () => boolean | Promise<boolean>;
  /** Called whenever the clock is about to move, e.g. to inject traffic. */
  onWait?: (ms: number) => void | Promise<void>;
  maxIterations?: number;
}): Promise<AdvanceResult> {
  const max = opts.maxIterations ?? 10_000;
  for (let i = 0; i < max; i++) {
    const r = await opts.orchestrator.advance(opts.lease);
    if (r.status === 'done' || r.status === 'lost') return r;
    if (opts.until && (await opts.until())) return r;
    if (r.status === 'wait') {
      await opts.onWait?.(r.ms);
      opts.clock.advance(r.ms);
      await renewLease(opts.db, opts.lease, opts.clock.now());
    }
  }
  throw new Error(`deployment ${opts.lease.deploymentId} did not finish in ${max} iterations`);
}
