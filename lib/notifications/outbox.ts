/**
 * Writing to the outbox. A notification is enqueued in the transaction that records what it
 * tells about — the timeline event, or the refusal — so it exists exactly when that did: a
 * rolled-back transaction leaves no notification behind, a committed one cannot lose it. The
 * worker's delivery tick (deliver.ts) sends it later, with retries.
 */
import type { Prisma } from '../db/client';
import { kindOfEvent, type NotificationKind } from './kinds';
import type { Payload } from './formats';

type Tx = Prisma.TransactionClient;

export interface Target {
  url: string;
  format: string;
  template?: string | null;
  subscriptionId?: string | null;
}

/** The enabled subscriptions that want `kind` for this service in this environment. */
async function subscribers(tx: Tx, kind: string, serviceId: string, environmentId: string | null): Promise<Target[]> {
  const rows = await tx.notificationSubscription.findMany({
    where: {
      enabled: true,
      AND: [
        { OR: [{ serviceId: null }, { serviceId }] },
        { OR: [{ environmentId: null }, ...(environmentId ? [{ environmentId }] : [])] },
        { OR: [{ events: { isEmpty: true } }, { events: { has: kind } }] },
      ],
    },
    orderBy: { createdAt: 'asc' },
  });
  return rows.map((r) => ({ url: r.url, format: r.format, template: r.template, subscriptionId: r.id }));
}

/** Enqueue one notification for its subscribers (and any extra targets). Returns how many rows. */
export async function enqueue(
  tx: Tx,
  args: { kind: NotificationKind | 'canary_analysis_failed'; serviceId: string; environmentId: string | null; deploymentId: string | null; payload: Payload; at: Date; extraTargets?: Target[] },
): Promise<number> {
  const fromSubscriptions = args.kind === 'canary_analysis_failed' ? [] : await subscribers(tx, args.kind, args.serviceId, args.environmentId);
  const targets = [...fromSubscriptions, ...(args.extraTargets ?? [])];
  if (targets.length === 0) return 0;
  await tx.notificationOutbox.createMany({
    data: targets.map((t) => ({
      subscriptionId: t.subscriptionId ?? null,
      deploymentId: args.deploymentId,
      kind: args.kind,
      url: t.url,
      format: t.format,
      template: t.template ?? null,
      payload: args.payload as unknown as Prisma.InputJsonValue,
      nextAttemptAt: args.at,
      createdAt: args.at,
    })),
  });
  return targets.length;
}

/**
 * Called by appendEvents for every batch of timeline events, inside its transaction: the events
 * that stand for an outcome people subscribe to are enqueued for their subscribers.
 */
export async function enqueueForEvents(
  tx: Tx,
  deploymentId: string,
  events: Array<{ type: string; message: string; data?: Record<string, unknown> }>,
  actor: string,
  at: Date,
): Promise<void> {
  const notifiable = events.flatMap((e) => {
    const kind = kindOfEvent(e.type, e.data ?? {});
    return kind ? [{ e, kind }] : [];
  });
  if (notifiable.length === 0) return;
  const d = await tx.deployment.findUnique({
    where: { id: deploymentId },
    select: {
      kind: true,
      reason: true,
      serviceId: true,
      environmentId: true,
      service: { select: { name: true } },
      environment: { select: { name: true } },
      toVersion: { select: { semver: true } },
      fromVersion: { select: { semver: true } },
    },
  });
  if (!d) return;
  for (const { e, kind } of notifiable) {
    const data = e.data ?? {};
    const reason = typeof data.reason === 'string' ? data.reason : d.reason;
    const payload: Payload = {
      event: kind,
      summary: `${d.service.name} in ${d.environment.name}: ${e.message}`,
      deploymentId,
      service: d.service.name,
      environment: d.environment.name,
      deploymentKind: d.kind,
      version: d.toVersion.semver,
      from: d.fromVersion?.semver ?? null,
      message: e.message,
      reason: reason ?? null,
      actor,
      at: at.toISOString(),
      details: data,
    };
    await enqueue(tx, { kind, serviceId: d.serviceId, environmentId: d.environmentId, deploymentId, payload, at });
  }
}
