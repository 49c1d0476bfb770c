/**
 * Service leases: the active deployment's claim on its service in one environment, and the
 * worker process running it. The database is the referee:
 *  - `(service_id, environment_id)` is the primary key: one lease per service per environment;
 *  - a worker claims a lease only if it is unowned or expired unrenewed, bumping the
 *    fencing `token` (FOR UPDATE SKIP LOCKED spreads work across processes);
 *  - every orchestrator write goes through `fence()`, which matches the token under a row
 *    lock in the same transaction: a worker whose lease was taken over writes nothing.
 */
import { AppError } from '../errors/app-error';
import type { Db } from '../db/client';
import type { Tx } from '../events/append';

export interface LeaseHandle {
  serviceId: string;
  deploymentId: string;
  owner: string;
  token: number;
  ttlSeconds: number;
}

export interface LeaseInfo {
  serviceId: string;
  environmentId: string;
  deploymentId: string;
  owner: string | null;
  token: number;
  expiresAt: string;
}

export async function readLease(db: Db | Tx, serviceId: string, environmentId: string): Promise<LeaseInfo | null> {
  const l = await db.lease.findUnique({ where: { serviceId_environmentId: { serviceId, environmentId } } });
  return l
    ? {
        serviceId: l.serviceId,
        environmentId: l.environmentId,
        deploymentId: l.deploymentId,
        owner: l.owner,
        token: Number(l.token),
        expiresAt: l.expiresAt.toISOString(),
      }
    : null;
}

export function leaseConflict(serviceName: string, lease: LeaseInfo): AppError {
  const holder = `deployment ${lease.deploymentId}${lease.owner ? ` (worker ${lease.owner})` : ' (waiting for a worker)'}`;
  return new AppError(
    'conflict',
    `service ${serviceName} is locked by ${holder} until ${lease.expiresAt}`,
    { holder: lease.deploymentId, owner: lease.owner, expiresAt: lease.expiresAt },
  );
}

/** Create the lease of a new deployment, in the transaction that creates it. */
export async function createLease(
  tx: Tx,
  args: { serviceId: string; environmentId: string; serviceName: string; deploymentId: string; ttlSeconds: number; now: Date },
): Promise<void> {
  const inserted = await tx.$executeRaw`
    INSERT INTO leases (service_id, environment_id, deployment_id, owner, token, ttl_seconds, expires_at, acquired_at)
    VALUES (${args.serviceId}::uuid, ${args.environmentId}::uuid, ${args.deploymentId}::uuid, NULL, 0, ${args.ttlSeconds},
            ${new Date(args.now.getTime() + args.ttlSeconds * 1000)}, ${args.now})
    ON CONFLICT (service_id, environment_id) DO NOTHING`;
  if (inserted === 0) {
    const lease = await readLease(tx, args.serviceId, args.environmentId);
    if (lease) throw leaseConflict(args.serviceName, lease);
    throw new AppError('conflict', `service ${args.serviceName} is locked by another deployment`);
  }
}

/** Claim up to `limit` leases that are unowned or expired; each claim bumps the token. */
export async function claimLeases(db: Db, owner: string, now: number, limit: number): Promise<LeaseHandle[]> {
  if (limit <= 0) return [];
  const at = new Date(now);
  const rows = await db.$queryRaw<Array<{ service_id: string; deployment_id: string; token: bigint; ttl_seconds: number }>>`
    UPDATE leases l
    SET owner = ${owner}, token = l.token + 1, acquired_at = ${at}, heartbeat_at = ${at},
        expires_at = ${at}::timestamptz + make_interval(secs => l.ttl_seconds)
    WHERE l.deployment_id IN (
      SELECT deployment_id FROM leases
      WHERE owner IS NULL OR expires_at < ${at}
      ORDER BY acquired_at
      LIMIT ${limit}
      FOR UPDATE SKIP LOCKED)
    RETURNING l.service_id, l.deployment_id, l.token, l.ttl_seconds`;
  return rows.map((r) => ({
    serviceId: r.service_id,
    deploymentId: r.deployment_id,
    owner,
    token: Number(r.token),
    ttlSeconds: r.ttl_seconds,
  }));
}

/** Heartbeat. False when the lease is no longer ours (taken over or released). */
export async function renewLease(db: Db | Tx, h: LeaseHandle, now: number): Promise<boolean> {
  const at = new Date(now);
  const n = await db.$executeRaw`
    UPDATE leases SET heartbeat_at = ${at}, expires_at = ${new Date(now + h.ttlSeconds * 1000)}
    WHERE deployment_id = ${h.deploymentId}::uuid AND token = ${h.token}`;
  return n === 1;
}

/**
 * Inside a transition's transaction: prove the lease is still ours (and renew it), holding
 * its row lock until commit so no takeover can interleave. Throws stale_lease otherwise.
 */
export async function fence(tx: Tx, h: LeaseHandle, now: number): Promise<void> {
  const ok = await renewLease(tx, h, now);
  if (!ok) {
    throw new AppError('stale_lease', `lease on deployment ${h.deploymentId} with token ${h.token} is no longer held`, {
      deploymentId: h.deploymentId,
      token: h.token,
    });
  }
}

/** Give the service back when its deployment ends (same transaction as the final state). */
export async function releaseLease(tx: Tx, h: LeaseHandle): Promise<void> {
  await tx.$executeRaw`DELETE FROM leases WHERE deployment_id = ${h.deploymentId}::uuid AND token = ${h.token}`;
}

/** Claim the lease of one given deployment (same rules as claimLeases); null if not claimable. */
export async function claimDeployment(db: Db, deploymentId: string, owner: string, now: number): Promise<LeaseHandle | null> {
  const at = new Date(now);
  const rows = await db.$queryRaw<Array<{ service_id: string; deployment_id: string; token: bigint; ttl_seconds: number }>>`
    UPDATE leases l
    SET owner = ${owner}, token = l.token + 1, acquired_at = ${at}, heartbeat_at = ${at},
        expires_at = ${at}::timestamptz + make_interval(secs => l.ttl_seconds)
    WHERE l.deployment_id = ${deploymentId}::uuid AND (l.owner IS NULL OR l.expires_at < ${at})
    RETURNING l.service_id, l.deployment_id, l.token, l.ttl_seconds`;
  const r = rows[0];
  return r ? { serviceId: r.service_id, deploymentId: r.deployment_id, owner, token: Number(r.token), ttlSeconds: r.ttl_seconds } : null;
}

/** After a restart under the same owner id: take back this owner's leases without waiting. */
export async function claimOwnLeases(db: Db, owner: string, now: number): Promise<LeaseHandle[]> {
  const at = new Date(now);
  const rows = await db.$queryRaw<Array<{ service_id: string; deployment_id: string; token: bigint; ttl_seconds: number }>>`
    UPDATE leases l
    SET token = l.token + 1, acquired_at = ${at}, heartbeat_at = ${at},
        expires_at = ${at}::timestamptz + make_interval(secs => l.ttl_seconds)
    WHERE l.owner = ${owner}
    RETURNING l.service_id, l.deployment_id, l.token, l.ttl_seconds`;
  return rows.map((r) => ({ serviceId: r.service_id, deploymentId: r.deployment_id, owner, token: Number(r.token), ttlSeconds: r.ttl_seconds }));
}
