/**
 * Puts instances that crashed on the right timeline. The runtime's supervisor restarts a crashed
 * instance that was serving; its crash records name the deployment that started the instance.
 *  - A crash is appended to that deployment while it is in flight, stamped when it is recorded
 *    (the crash time is in its data), so a timeline's times never go backwards.
 *  - The orchestrator appends its deployment's crashes itself in the transaction that ends it
 *    (`appendCrashes`), so none lands after the deployment's terminal event.
 *  - A crash of an instance whose deployment has already ended goes on the deployment in flight
 *    for the same service and environment if that one was already under way when the instance
 *    crashed (the old version crashing mid-rollout matters to that rollout); otherwise it is on
 *    no timeline — the crash predates every deployment still running — and is logged once.
 * Each crash is recorded once, whoever sees it first: the watcher or the ending orchestrator.
 */
import type { Db } from '../db/client';
import { appendEvents, type NewEvent, type Tx } from '../events/append';
import { isDatabaseUnavailable } from '../errors/unavailable';
import type { CrashRecord, RuntimeExtras } from '../runtime/types';

const TERMINAL = new Set(['succeeded', 'failed', 'aborted']);

function crashEvent(c: CrashRecord, recordedOn: string): NewEvent {
  const foreign = c.deploymentId !== recordedOn ? ` (started by deployment ${c.deploymentId})` : '';
  return {
    type: 'instance_crashed',
    message: `Instance ${c.instanceId}${foreign} exited on its own (${c.reason})${c.restarted ? '; the runtime restarted it' : ''}`,
    data: { ...c, crashedAt: new Date(c.at).toISOString() },
  };
}

/** The crashes among `crashes` that the deployment's timeline does not have yet. */
async function unrecorded(tx: Tx, deploymentId: string, crashes: CrashRecord[]): Promise<CrashRecord[]> {
  if (crashes.length === 0) return [];
  const rows = await tx.$queryRaw<Array<{ instance: string; at: string }>>`
    SELECT data->>'instanceId' AS instance, data->>'crashedAt' AS at FROM events
    WHERE deployment_id = ${deploymentId}::uuid AND type = 'instance_crashed'`;
  const seen = new Set(rows.map((r) => `${r.instance}@${r.at}`));
  return crashes.filter((c) => !seen.has(`${c.instanceId}@${new Date(c.at).toISOString()}`));
}

/**
 * Inside a transaction that holds the deployment's row lock: append the given crashes of its
 * instances that are not on its timeline yet (the orchestrator calls this before its terminal event).
 */
export async function appendCrashes(tx: Tx, deploymentId: string, crashes: CrashRecord[], at: Date): Promise<void> {
  const fresh = await unrecorded(tx, deploymentId, crashes);
  if (fresh.length) await appendEvents(tx, deploymentId, fresh.map((c) => crashEvent(c, deploymentId)), 'runtime', at);
}

/** A runtime's crash records of one deployment (none when the runtime keeps no records or cannot say). */
export async function crashesOf(runtime: RuntimeExtras, deploymentId: string): Promise<CrashRecord[]> {
  const all = (await runtime.crashesAfter?.(0).catch(() => null)) ?? [];
  return all.filter((c) => c.deploymentId === deploymentId);
}

type Placement = { on: string } | { on: null; why: string };

/** Record one crash where it belongs (see the module comment), in one transaction. */
async function recordCrash(db: Db, c: CrashRecord): Promise<Placement> {
  return db.$transaction(async (tx): Promise<Placement> => {
    const [owner] = await tx.$queryRaw<Array<{ state: string; service_id: string; environment_id: string }>>`
      SELECT state::text AS state, service_id, environment_id FROM deployments WHERE id = ${c.deploymentId}::uuid FOR UPDATE`;
    if (!owner) return { on: null, why: 'its deployment no longer exists' };
    const now = new Date();
    if (!TERMINAL.has(owner.state)) {
      await appendCrashes(tx, c.deploymentId, [c], now);
      return { on: c.deploymentId };
    }
    if ((await unrecorded(tx, c.deploymentId, [c])).length === 0) return { on: c.deploymentId }; // recorded as it ended
    const [active] = await tx.$queryRaw<Array<{ id: string; created_at: Date }>>`
      SELECT id, created_at FROM deployments
      WHERE active_for = ${owner.service_id}::uuid AND environment_id = ${owner.environment_id}::uuid AND state <> 'awaiting_approval'
      FOR UPDATE`;
    if (active && active.created_at.getTime() <= c.at) {
      await appendCrashes(tx, active.id, [c], now);
      return { on: active.id };
    }
    return { on: null, why: `its deployment ${c.deploymentId} had ended (${owner.state}) and no deployment was under way when it crashed` };
  });
}

/** Record crashes after `afterSeq`; returns the new cursor. */
export async function recordCrashes(db: Db, runtime: RuntimeExtras, afterSeq: number, log?: (m: string) => void): Promise<number> {
  // A runtime that keeps no crash records may answer null over RPC.
  const crashes: CrashRecord[] = (await runtime.crashesAfter?.(afterSeq)) ?? [];
  let cursor = afterSeq;
  for (const c of crashes) {
    const placed = await recordCrash(db, c);
    if (placed.on === null) log?.(`crash watcher: instance ${c.instanceId} exited on its own (${c.reason}); on no timeline: ${placed.why}`);
    cursor = Math.max(cursor, c.seq);
  }
  return cursor;
}

/** Poll every environment's runtime for crashes, keeping a cursor per runtime. */
export function watchCrashes(opts: {
  db: Db;
  runtimes: () => Promise<RuntimeExtras[]>;
  intervalMs?: number;
  log?: (m: string) => void;
}): { stop(): void } {
  const cursors = new Map<RuntimeExtras, number>();
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  let databaseDown = false;
  const tick = async () => {
    try {
      for (const runtime of new Set(await opts.runtimes())) {
        if (!runtime.crashesAfter) continue;
        const cursor = cursors.get(runtime);
        if (cursor === undefined) {
          // Crashes from before this control plane started were recorded by its predecessor.
          const old: CrashRecord[] = (await runtime.crashesAfter(0)) ?? [];
          cursors.set(runtime, old.reduce((m, c) => Math.max(m, c.seq), 0));
        } else {
          cursors.set(runtime, await recordCrashes(opts.db, runtime, cursor, opts.log));
        }
      }
      databaseDown = false;
    } catch (e) {
      // An unreachable database is said once by the worker; the watcher just tries again.
      const down = isDatabaseUnavailable(e);
      if (!down || !databaseDown) opts.log?.(`crash watcher: ${down ? 'the database is unreachable; retrying' : (e as Error).message}`);
      databaseDown = down;
    }
    if (!stopped) timer = setTimeout(() => void tick(), opts.intervalMs ?? 2000);
  };
  void tick();
  return {
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
  };
}
