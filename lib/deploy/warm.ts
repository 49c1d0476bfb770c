/**
 * The warm rollback window. A deployment that replaced a version ends with a `keep_warm` step:
 * some of the old instances keep running out of rotation and a window row records them, so a
 * rollback inside it is a traffic switch. Every change to those instances happens under the
 * service's lease, fenced like any deployment write:
 *  - a deployment that begins while a window is open adopts the warm instances when it deploys
 *    that very version (a rollback to it), and stops them otherwise — it holds the lease;
 *  - when a window ends with nobody holding the service, a worker tick creates a lease for the
 *    window itself (never while a deployment of the service holds one: the lease's primary key
 *    refuses it); a worker claims it like a deployment's, stops the instances under its fencing
 *    token and releases it in the transaction that closes the window. A worker that dies
 *    half-way leaves the lease to expire, and the next one does it again (scaling is idempotent).
 */
import type { Db } from '../db/client';
import { appendEvents, type NewEvent, type Tx } from '../events/append';
import { isAppError } from '../errors/app-error';
import type { Fence, Runtime } from '../runtime/types';
import { createLease, fence, releaseLease, type LeaseHandle } from '../state/leases';
import { resolveHealthPolicy } from '../engine';
import { buildWorkload } from '../runtime/workload';
import { workloadOfVersion, type LoadedDeployment, type TxWork } from './context';

const MINUTE = 60_000;

/** Record the window a `keep_warm` step opened for `d`'s old version (others close when `d` succeeds). */
export async function openWindow(tx: Tx, d: LoadedDeployment, slots: number[], now: number, seconds: number): Promise<void> {
  await tx.warmWindow.create({
    data: { serviceId: d.serviceId, environmentId: d.environment.id, versionId: d.fromVersion!.id, deploymentId: d.id, slots, openedAt: new Date(now), until: new Date(now + seconds * 1000) },
  });
}

/**
 * When a deployment begins: a warm window of the very version it deploys (a rollback to it)
 * lends it its instances — they already run, so nothing starts for them. Every window stays open
 * until the deployment succeeds: should it fail, its version is still what a rollback returns to,
 * and its instances are not the deployment's to stop (see warmSlotsOf).
 */
export function warmAtBegin(d: LoadedDeployment): NewEvent[] {
  const mine = d.warmWindows.find((w) => w.version.id === d.toVersion.id);
  if (!mine) return [];
  return [
    {
      type: 'warm_instances_adopted',
      message: `v${mine.version.semver} is still warm (${mine.slots.length} instance(s) out of rotation): no process starts for them`,
      data: { version: mine.version.semver, slots: mine.slots, windowId: mine.id },
    },
  ];
}

/** Slots of `versionId` an open warm window keeps: a failed deployment's revert leaves them running. */
export function warmSlotsOf(d: LoadedDeployment, versionId: string): number[] {
  return d.warmWindows.filter((w) => w.version.id === versionId).flatMap((w) => w.slots);
}

/**
 * When a deployment succeeds: every other window of the service is over. The one of the version
 * it deployed was used (its instances now serve); the others' versions are no longer what a
 * rollback returns to: their instances stop (under this deployment's fence). They close in the
 * transaction that ends the deployment.
 */
export async function warmAtSuccess(runtime: Runtime, f: Fence, d: LoadedDeployment, now: number, drainMs: number): Promise<{ events: NewEvent[]; extra: TxWork }> {
  const used = d.warmWindows.filter((w) => w.deploymentId !== d.id && w.version.id === d.toVersion.id);
  const stale = d.warmWindows.filter((w) => w.deploymentId !== d.id && w.version.id !== d.toVersion.id);
  const closeUsed: TxWork = async (tx) => {
    if (used.length) await tx.warmWindow.updateMany({ where: { id: { in: used.map((w) => w.id) }, closedAt: null }, data: { closedAt: new Date(now), closedReason: 'used' } });
  };
  if (stale.length === 0) return { events: [], extra: closeUsed };
  for (const w of stale) await runtime.scale(f, workloadOfVersion(d, w.version), [], drainMs);
  return {
    events: stale.map((w) => ({
      type: 'warm_window_closed',
      message: `Stopped the ${w.slots.length} warm instance(s) of v${w.version.semver}: v${d.toVersion.semver} replaced the version a rollback would return to`,
      data: { version: w.version.semver, slots: w.slots, windowId: w.id },
    })),
    extra: async (tx) => {
      await closeUsed(tx);
      await tx.warmWindow.updateMany({ where: { id: { in: stale.map((w) => w.id) }, closedAt: null }, data: { closedAt: new Date(now), closedReason: 'replaced' } });
    },
  };
}

/**
 * A worker tick: for every window that has ended, put a lease on its service in its environment
 * (unless a deployment holds one), for a worker to claim and clean up. Returns how many.
 */
export async function scheduleWarmCleanups(db: Db, now: number, ttlSeconds = 60): Promise<number> {
  const due = await db.warmWindow.findMany({ where: { closedAt: null, until: { lte: new Date(now) } }, include: { service: { select: { name: true } } }, take: 50 });
  let scheduled = 0;
  for (const w of due) {
    const made = await db
      .$transaction(async (tx) => {
        await createLease(tx, { serviceId: w.serviceId, environmentId: w.environmentId, serviceName: w.service.name, deploymentId: w.id, ttlSeconds, now: new Date(now) });
        await tx.$executeRaw`SELECT pg_notify('flightdeck_work', ${w.id})`;
        return true;
      })
      .catch((e: unknown) => {
        // The service is busy (a deployment, or this very cleanup already scheduled): later.
        if (isAppError(e) && e.code === 'conflict') return false;
        throw e;
      });
    if (made) scheduled++;
  }
  return scheduled;
}

/**
 * Run a claimed lease that belongs to a warm window, not a deployment: stop the window's
 * instances under the lease's fence, then close the window and release the lease in one
 * transaction. Null when the lease is not a window's (it belongs to nothing: released).
 */
export async function cleanUpWindow(db: Db, runtime: (env: { name: string; runtime: unknown }) => Runtime, h: LeaseHandle, now: () => number, drainMs: number): Promise<'done'> {
  const w = await db.warmWindow.findUnique({ where: { id: h.deploymentId }, include: { version: true, environment: true, deployment: { include: { service: true } } } });
  if (w && w.closedAt === null) {
    const s = w.deployment.service;
    const workload = buildWorkload({ service: { name: s.name, template: s.template, health: resolveHealthPolicy(s.health), placement: s.placement }, version: w.version, environment: w.environment.name, deploymentId: w.deploymentId });
    await runtime(w.environment).scale({ service: s.name, token: h.token }, workload, [], drainMs);
  }
  await db.$transaction(async (tx) => {
    await fence(tx, h, now());
    if (w && w.closedAt === null) {
      await tx.warmWindow.update({ where: { id: w.id }, data: { closedAt: new Date(now()), closedReason: 'expired' } });
      const minutes = Math.round((w.until.getTime() - w.openedAt.getTime()) / MINUTE);
      await appendEvents(
        tx,
        w.deploymentId,
        [{ type: 'warm_window_closed', message: `The ${minutes} min rollback window of v${w.version.semver} ended: its ${w.slots.length} warm instance(s) stopped; a rollback now starts instances`, data: { version: w.version.semver, slots: w.slots, windowId: w.id } }],
        'flightdeck',
        new Date(now()),
      );
    }
    await releaseLease(tx, h);
  });
  return 'done';
}
