/**
 * Service leases: the active deployment's claim on its service in one environment, and the
 * worker process running it. The database is the referee:
 *  - `(service_id, environment_id)` is the primary key: one lease per service per environment;
 *  - a worker claims a lease only if it is unowned, expired unrenewed, or held by a worker whose
 *    process is gone, bumping the fencing `token` (FOR UPDATE SKIP LOCKED spreads work across
 *    processes);
 *  - every orchestrator write goes through `fence()`, which matches the token under a row
 *    lock in the same transaction: a worker whose lease was taken over writes nothing.
 *
 * A worker's liveness is PostgreSQL's own knowledge: while it runs, a worker holds a
 * session-level advisory lock named by its worker id (`WorkerPresence`) on a connection of its
 * own. When its process dies the session ends and the lock with it, so a lease claimed under
 * that presence (`presence = true`) is taken over at the next claim by any other worker,
 * within a poll interval instead of a TTL. Leases claimed without a presence (tests, tools)
 * only expire.
 */
import pg from 'pg';
import { AppError } from '../errors/app-error';
import { Prisma, type Db } from '../db/client';
import type { Tx } from '../events/append';

/** How a claimed lease came to be free. */
export type ClaimedBecause = 'unowned' | 'expired' | 'holder_gone';

export interface LeaseHandle {
  serviceId: string;
  deploymentId: string;
  owner: string;
  token: number;
  ttlSeconds: number;
  /** The worker that held it before this claim (null: none), and why it could be claimed. */
  previousOwner?: string | null;
  because?: ClaimedBecause;
}

/** First key of the workers' advisory locks (the second is hashtext(worker id)). */
export const PRESENCE_LOCK_CLASS = 46_400_011;

/**
 * The leases any worker may claim now: unowned, expired, or held under a presence whose
 * advisory lock no session of this database holds any more (never the claimer's own).
 */
const claimable = (owner: string, at: Date) => Prisma.sql`
  l.owner IS NULL OR l.expires_at < ${at}
  OR (l.presence AND l.owner <> ${owner}
      AND (hashtext(l.owner)::bigint & 4294967295) NOT IN (
        SELECT objid::bigint FROM pg_locks
        WHERE locktype = 'advisory' AND classid = ${PRESENCE_LOCK_CLASS}::oid AND objsubid = 2 AND granted
          AND database = (SELECT oid FROM pg_database WHERE datname = current_database())))`;

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

type ClaimRow = { service_id: string; deployment_id: string; token: bigint; ttl_seconds: number; previous_owner: string | null; because: ClaimedBecause };

const handleOf = (owner: string) => (r: ClaimRow): LeaseHandle => ({
  serviceId: r.service_id,
  deploymentId: r.deployment_id,
  owner,
  token: Number(r.token),
  ttlSeconds: r.ttl_seconds,
  previousOwner: r.previous_owner,
  because: r.because,
});

/**
 * Claim leases matching `which` (and claimable), bumping each token. `presence`: the claimer
 * holds its WorkerPresence lock, so its own death will free these leases at once.
 */
async function claimWhere(db: Db, owner: string, now: number, which: Prisma.Sql, limit: number, presence: boolean): Promise<LeaseHandle[]> {
  const at = new Date(now);
  const rows = await db.$queryRaw<ClaimRow[]>`
    WITH picked AS (
      SELECT l.deployment_id, l.owner AS previous_owner,
             CASE WHEN l.owner IS NULL THEN 'unowned' WHEN l.expires_at < ${at} THEN 'expired' ELSE 'holder_gone' END AS because
      FROM leases l
      WHERE (${which}) AND (${claimable(owner, at)})
      ORDER BY l.acquired_at
      LIMIT ${limit}
      FOR UPDATE OF l SKIP LOCKED)
    UPDATE leases l
    SET owner = ${owner}, presence = ${presence}, token = l.token + 1, acquired_at = ${at}, heartbeat_at = ${at},
        expires_at = ${at}::timestamptz + make_interval(secs => l.ttl_seconds)
    FROM picked
    WHERE l.deployment_id = picked.deployment_id
    RETURNING l.service_id, l.deployment_id, l.token, l.ttl_seconds, picked.previous_owner, picked.because`;
  return rows.map(handleOf(owner));
}

/** Claim up to `limit` leases that are unowned, expired, or whose holder's process is gone; each claim bumps the token. */
export async function claimLeases(db: Db, owner: string, now: number, limit: number, opts: { presence?: boolean } = {}): Promise<LeaseHandle[]> {
  if (limit <= 0) return [];
  return claimWhere(db, owner, now, Prisma.sql`TRUE`, limit, opts.presence ?? false);
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
export async function claimDeployment(db: Db, deploymentId: string, owner: string, now: number, opts: { presence?: boolean } = {}): Promise<LeaseHandle | null> {
  const [h] = await claimWhere(db, owner, now, Prisma.sql`l.deployment_id = ${deploymentId}::uuid`, 1, opts.presence ?? false);
  return h ?? null;
}

/** After a restart under the same owner id: take back this owner's leases without waiting. */
export async function claimOwnLeases(db: Db, owner: string, now: number, opts: { presence?: boolean } = {}): Promise<LeaseHandle[]> {
  const at = new Date(now);
  const rows = await db.$queryRaw<Array<{ service_id: string; deployment_id: string; token: bigint; ttl_seconds: number }>>`
    UPDATE leases l
    SET token = l.token + 1, presence = ${opts.presence ?? false}, acquired_at = ${at}, heartbeat_at = ${at},
        expires_at = ${at}::timestamptz + make_interval(secs => l.ttl_seconds)
    WHERE l.owner = ${owner}
    RETURNING l.service_id, l.deployment_id, l.token, l.ttl_seconds`;
  return rows.map((r) => ({ serviceId: r.service_id, deploymentId: r.deployment_id, owner, token: Number(r.token), ttlSeconds: r.ttl_seconds }));
}

/**
 * A worker's liveness as PostgreSQL sees it: a session-level advisory lock named by the worker
 * id, held on a connection of its own for as long as the process lives. `hold()` takes it (or
 * takes it again after the session was lost, e.g. PostgreSQL restarted); false while another
 * live session holds the same worker id.
 */
export class WorkerPresence {
  private client: pg.Client | null = null;

  constructor(
    private readonly url: string,
    readonly owner: string,
  ) {}

  get held(): boolean {
    return this.client !== null;
  }

  async hold(): Promise<boolean> {
    if (this.client) return true;
    const c = new pg.Client({ connectionString: this.url, connectionTimeoutMillis: 5_000, application_name: `flightdeck worker ${this.owner}`.slice(0, 63) });
    const lost = () => {
      if (this.client === c) this.client = null;
      void c.end().catch(() => {});
    };
    c.on('error', lost);
    c.on('end', lost);
    try {
      await c.connect();
      const { rows } = await c.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1, hashtext($2)) AS ok', [PRESENCE_LOCK_CLASS, this.owner]);
      if (!rows[0]?.ok) {
        await c.end();
        return false;
      }
    } catch (e) {
      await c.end().catch(() => {});
      throw e;
    }
    this.client = c;
    return true;
  }

  async release(): Promise<void> {
    const c = this.client;
    this.client = null;
    await c?.end().catch(() => {});
  }
}
