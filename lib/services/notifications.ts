/**
 * Notification subscriptions (admins manage them), the deliveries of one deployment with every
 * attempt (what its page shows), and the refusals that have no deployment to hang an event on
 * (a gate refusing one) — enqueued for subscribers in their own transaction.
 */
import { systemClock } from '../clock';
import type { Db } from '../db/client';
import { AppError, isAppError } from '../errors/app-error';
import type { Tx } from '../events/append';
import { enqueue } from '../notifications/outbox';
import { redactUrl } from '../notifications/redact';
import type { ServiceContext } from './deployments';
import { findEnvironmentOr404 } from './environments';
import { findServiceOr404 } from './lookup';
import { createSubscriptionSchema } from './notification-schemas';
import { isUuid, parseInput } from './validate';

type Row = Awaited<ReturnType<Db['notificationSubscription']['findFirstOrThrow']>> & { service: { name: string } | null; environment: { name: string } | null };

function present(s: Row) {
  return {
    id: s.id,
    name: s.name,
    service: s.service?.name ?? null,
    environment: s.environment?.name ?? null,
    events: s.events as never[],
    target: redactUrl(s.url),
    format: s.format as 'json' | 'slack' | 'template',
    template: s.template,
    enabled: s.enabled,
    createdBy: s.createdBy,
    createdAt: s.createdAt.toISOString(),
  };
}

const withNames = { service: { select: { name: true } }, environment: { select: { name: true } } } as const;

export async function listSubscriptions(db: Db) {
  const rows = await db.notificationSubscription.findMany({ include: withNames, orderBy: { createdAt: 'asc' } });
  return { subscriptions: rows.map(present) };
}

export async function createSubscription(db: Db, input: unknown, actor: string) {
  const body = parseInput(createSubscriptionSchema, input);
  const service = body.service ? await findServiceOr404(db, body.service) : null;
  const env = body.environment ? await findEnvironmentOr404(db, body.environment) : null;
  const row = await db.notificationSubscription.create({
    data: { name: body.name, serviceId: service?.id ?? null, environmentId: env?.id ?? null, events: body.events, url: body.url, format: body.format, template: body.template ?? null, enabled: body.enabled, createdBy: actor },
    include: withNames,
  });
  return present(row);
}

export async function deleteSubscription(db: Db, id: string) {
  const row = isUuid(id) ? await db.notificationSubscription.findUnique({ where: { id }, include: withNames }) : null;
  if (!row) throw new AppError('not_found', `notification subscription ${id} not found`, { id });
  await db.notificationSubscription.delete({ where: { id } });
  return present(row);
}

/** Every notification about one deployment, with each delivery attempt. */
export async function listDeploymentNotifications(db: Db, deploymentId: string) {
  if (!isUuid(deploymentId) || !(await db.deployment.findUnique({ where: { id: deploymentId }, select: { id: true } }))) {
    throw new AppError('not_found', `deployment ${deploymentId} not found`, { id: deploymentId });
  }
  const rows = await db.notificationOutbox.findMany({ where: { deploymentId }, include: { tries: { orderBy: { attempt: 'asc' } }, subscription: { select: { name: true } } }, orderBy: { id: 'asc' } });
  return {
    notifications: rows.map((n) => ({
      id: String(n.id),
      kind: n.kind,
      target: redactUrl(n.url),
      format: n.format,
      subscription: n.subscription?.name ?? null,
      status: n.status as 'pending' | 'delivered' | 'failed',
      attempts: n.attempts,
      maxAttempts: n.maxAttempts,
      nextAttemptAt: n.status === 'pending' ? n.nextAttemptAt.toISOString() : null,
      lastError: n.lastError,
      createdAt: n.createdAt.toISOString(),
      deliveredAt: n.deliveredAt?.toISOString() ?? null,
      tries: n.tries.map((t) => ({ attempt: t.attempt, at: t.at.toISOString(), ok: t.ok, status: t.status, error: t.error, durationMs: t.durationMs })),
    })),
  };
}

/**
 * A gate refused a deployment: tell the subscribers, in the transaction given (a release's) or
 * in one of its own. Anything else is left alone. Returns the error, to rethrow.
 */
export async function noteGateRefusal(ctx: ServiceContext, e: unknown, what: { service: string; environment?: string | null; version: string; actor: string }, tx?: Tx): Promise<unknown> {
  const gates = isAppError(e) && e.code === 'conflict' ? e.details?.gates : undefined;
  if (!isAppError(e) || !Array.isArray(gates)) return e;
  const write = async (t: Tx) => {
    const service = await t.service.findUnique({ where: { name: what.service } });
    if (!service) return;
    const env = what.environment ? await t.environment.findUnique({ where: { name: what.environment } }) : await t.environment.findFirst({ orderBy: { order: 'asc' } });
    const at = new Date((ctx.clock ?? systemClock).now());
    await enqueue(t, {
      kind: 'gate_refused',
      serviceId: service.id,
      environmentId: env?.id ?? null,
      deploymentId: null,
      at,
      payload: {
        event: 'gate_refused',
        summary: `${what.service} v${what.version} was refused in ${env?.name ?? '?'} (asked by ${what.actor}): ${e.message}`,
        deploymentId: null,
        service: what.service,
        environment: env?.name ?? null,
        version: what.version,
        actor: what.actor,
        reason: e.message,
        at: at.toISOString(),
        details: { gates },
      },
    });
  };
  if (tx) await write(tx);
  else await ctx.db.$transaction(write);
  return e;
}

/** The warm rollback windows open now: a rollback to their version is a traffic switch. */
export async function listRollbackWindows(ctx: ServiceContext) {
  const now = (ctx.clock ?? systemClock).now();
  const rows = await ctx.db.warmWindow.findMany({
    where: { closedAt: null },
    include: { service: { select: { name: true } }, environment: { select: { name: true } }, version: { select: { semver: true } } },
    orderBy: { openedAt: 'asc' },
  });
  return {
    windows: rows.map((w) => ({
      service: w.service.name,
      environment: w.environment.name,
      version: w.version.semver,
      until: w.until.toISOString(),
      secondsLeft: Math.max(0, Math.round((w.until.getTime() - now) / 1000)),
      instances: w.slots.length,
    })),
  };
}
