/**
 * Breaking a lease (admins): when a worker is stuck holding a service — alive enough to
 * heartbeat, not making progress — an admin takes the lease from it. The token is bumped, so
 * every write the old holder attempts is refused by its fence, and the lease is left unowned
 * and expired, so any worker (this process or another) claims the deployment at once and
 * resumes it where it stopped. One transaction, with an event on the deployment's timeline.
 */
import { systemClock } from '../clock';
import { AppError } from '../errors/app-error';
import { appendEvents } from '../events/append';
import { findServiceOr404 } from './lookup';
import { parseInput } from './validate';
import { z } from 'zod';
import { slug } from './schemas';
import { resolveEnvironment } from './environments';

const breakSchema = z.object({ reason: z.string().max(1000).optional(), environment: slug.optional() }).strict();
import type { ServiceContext } from './deployments';
import { notifyWork } from '../state/work';

export async function breakLease(ctx: ServiceContext, serviceName: string, input: unknown, actor: string) {
  const { reason, environment } = parseInput(breakSchema, input ?? {});
  const clock = ctx.clock ?? systemClock;
  return ctx.db.$transaction(async (tx) => {
    const service = await findServiceOr404(tx, serviceName);
    const env = await resolveEnvironment(tx, environment);
    const rows = await tx.$queryRaw<Array<{ deployment_id: string; owner: string | null; token: bigint; expires_at: Date }>>`
      SELECT deployment_id, owner, token, expires_at FROM leases WHERE service_id = ${service.id}::uuid AND environment_id = ${env.id}::uuid FOR UPDATE`;
    const lease = rows[0];
    if (!lease) throw new AppError('conflict', `service ${serviceName} holds no lease in ${env.name}: nothing to break`, { service: serviceName, environment: env.name });
    const now = new Date(clock.now());
    await tx.$executeRaw`
      UPDATE leases SET owner = NULL, token = token + 1, expires_at = ${now} WHERE deployment_id = ${lease.deployment_id}::uuid`;
    const was = lease.owner ? `worker ${lease.owner}` : 'no worker';
    await appendEvents(
      tx,
      lease.deployment_id,
      [{ type: 'lease_broken', message: `Lease broken by ${actor}${reason ? ` (${reason})` : ''}: taken from ${was} (token ${lease.token}); the next worker resumes the deployment`, data: { previousOwner: lease.owner, previousToken: Number(lease.token), reason: reason ?? null } }],
      actor,
      now,
    );
    await notifyWork(tx, lease.deployment_id);
    return { service: serviceName, deploymentId: lease.deployment_id, previousOwner: lease.owner, previousToken: Number(lease.token), brokenAt: now.toISOString() };
  });
}
