/**
 * Puts instances that crashed on the timeline of the deployment that started them. The runtime's
 * supervisor restarts a crashed instance that was serving; this watcher reads the runtime's
 * crash records and appends `instance_crashed` to the deployment that started the instance,
 * stamped when it is recorded (the crash time is in its data), so a timeline's times never go
 * backwards.
 */
import type { Db } from '../db/client';
import { appendEvents } from '../events/append';
import type { CrashRecord, RuntimeExtras } from '../runtime/types';

/** Record crashes after `afterSeq`; returns the new cursor. */
export async function recordCrashes(db: Db, runtime: RuntimeExtras, afterSeq: number): Promise<number> {
  const crashes: CrashRecord[] = (await runtime.crashesAfter?.(afterSeq)) ?? [];
  let cursor = afterSeq;
  for (const c of crashes) {
    await db.$transaction(async (tx) => {
      const owner = await tx.deployment.findUnique({ where: { id: c.deploymentId }, select: { id: true } });
      if (!owner) return;
      await appendEvents(
        tx,
        c.deploymentId,
        [
          {
            type: 'instance_crashed',
            message: `Instance ${c.instanceId} exited on its own (${c.reason})${c.restarted ? '; the runtime restarted it' : ''}`,
            data: { ...c, crashedAt: new Date(c.at).toISOString() },
          },
        ],
        'runtime',
        new Date(),
      );
    });
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
  const tick = async () => {
    try {
      for (const runtime of new Set(await opts.runtimes())) {
        if (!runtime.crashesAfter) continue;
        const cursor = cursors.get(runtime);
        if (cursor === undefined) {
          // Crashes from before this control plane started were recorded by its predecessor.
          const old: CrashRecord[] = await runtime.crashesAfter(0);
          cursors.set(runtime, old.reduce((m, c) => Math.max(m, c.seq), 0));
        } else {
          cursors.set(runtime, await recordCrashes(opts.db, runtime, cursor));
        }
      }
    } catch (e) {
      opts.log?.(`crash watcher: ${(e as Error).message}`);
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
