/**
 * Puts instances that crashed on the timeline. The runtime's supervisor restarts a crashed
 * instance that was serving; this watcher reads the runtime's crash records and appends an
 * `instance_crashed` event to the service's latest deployment, so people see it.
 */
import type { Db } from '../db/client';
import { appendEvents } from '../events/append';
import type { RuntimeExtras } from '../runtime/rpc';
import type { CrashRecord } from '../runtime/local/local-runtime';

/** Record crashes after `afterSeq`; returns the new cursor. */
export async function recordCrashes(db: Db, runtime: RuntimeExtras, afterSeq: number): Promise<number> {
  const crashes = ((await runtime.crashesAfter?.(afterSeq)) ?? []) as CrashRecord[];
  let cursor = afterSeq;
  for (const c of crashes) {
    const deployment = await db.deployment.findFirst({ where: { service: { name: c.service } }, orderBy: { createdAt: 'desc' }, select: { id: true } });
    if (deployment) {
      await db.$transaction((tx) =>
        appendEvents(
          tx,
          deployment.id,
          [
            {
              type: 'instance_crashed',
              message: `Instance ${c.instanceId} exited on its own (${c.reason})${c.restarted ? '; the runtime restarted it' : ''}`,
              data: { ...c },
            },
          ],
          'runtime',
          new Date(c.at),
        ),
      );
    }
    cursor = Math.max(cursor, c.seq);
  }
  return cursor;
}

export function watchCrashes(opts: { db: Db; runtime: RuntimeExtras; intervalMs?: number; log?: (m: string) => void }): { stop(): void } {
  let cursor: number | null = null;
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  const tick = async () => {
    try {
      if (cursor === null) {
        // Crashes from before this control plane started were recorded by its predecessor.
        const old = ((await opts.runtime.crashesAfter?.(0)) ?? []) as CrashRecord[];
        cursor = old.reduce((m, c) => Math.max(m, c.seq), 0);
      } else {
        cursor = await recordCrashes(opts.db, opts.runtime, cursor);
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
