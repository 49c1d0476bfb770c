/**
 * Delivering the outbox: a worker tick claims due notifications (FOR UPDATE SKIP LOCKED, with a
 * lock that lapses, so several processes share the work and one that dies mid-delivery leaves
 * the row to be retried), POSTs each to its target, and records the attempt — retrying with
 * backoff until delivered or out of attempts. Nothing lives in memory: a restarted control plane
 * picks up exactly where the last one stopped. Each request carries an Idempotency-Key (the
 * outbox id), so a receiver can drop the rare repeat after a crash between sending and recording.
 * The final outcome is put on the deployment's timeline.
 */
import type { Clock } from '../clock';
import type { Db } from '../db/client';
import { appendEvents } from '../events/append';
import { render, type Payload } from './formats';
import { redactUrl } from './redact';

/** Seconds to wait after the 1st, 2nd, … failed attempt (the last one repeats). */
export const BACKOFF_SECONDS = [5, 15, 60, 300, 900, 1800, 3600];

export function backoffMs(failedAttempts: number): number {
  return BACKOFF_SECONDS[Math.min(failedAttempts, BACKOFF_SECONDS.length) - 1]! * 1000;
}

interface Claimed {
  id: bigint;
  deployment_id: string | null;
  kind: string;
  url: string;
  format: string;
  template: string | null;
  payload: Payload;
  attempts: number;
  max_attempts: number;
}

export interface DelivererOptions {
  db: Db;
  clock: Clock;
  /** Per request (default 5 s). */
  timeoutMs?: number;
  /** How long a claim holds a row before another process may retry it (default 30 s). */
  lockMs?: number;
  batch?: number;
  log?: (msg: string) => void;
}

export class NotificationDeliverer {
  private busy = false;

  constructor(private readonly o: DelivererOptions) {}

  /** Deliver what is due now. Returns the number of attempts made (0 when a tick is already running). */
  async tick(): Promise<number> {
    if (this.busy) return 0;
    this.busy = true;
    try {
      const due = await this.claim();
      await Promise.all(due.map((row) => this.deliver(row)));
      return due.length;
    } finally {
      this.busy = false;
    }
  }

  private async claim(): Promise<Claimed[]> {
    const now = new Date(this.o.clock.now());
    const lock = new Date(now.getTime() + (this.o.lockMs ?? 30_000));
    return this.o.db.$queryRaw<Claimed[]>`
      UPDATE notification_outbox o SET locked_until = ${lock}
      WHERE o.id IN (
        SELECT id FROM notification_outbox
        WHERE status = 'pending' AND next_attempt_at <= ${now} AND (locked_until IS NULL OR locked_until <= ${now})
        ORDER BY id LIMIT ${this.o.batch ?? 20}
        FOR UPDATE SKIP LOCKED)
      RETURNING o.id, o.deployment_id, o.kind, o.url, o.format, o.template, o.payload, o.attempts, o.max_attempts`;
  }

  private async send(row: Claimed): Promise<{ ok: boolean; status: number | null; error: string | null; durationMs: number }> {
    const started = performance.now();
    const { body, contentType } = render(row.format, row.template, row.payload);
    try {
      const res = await fetch(row.url, {
        method: 'POST',
        headers: { 'content-type': contentType, 'user-agent': 'flightdeck', 'x-flightdeck-event': row.kind, 'idempotency-key': `flightdeck-notification-${row.id}` },
        body,
        signal: AbortSignal.timeout(this.o.timeoutMs ?? 5000),
      });
      await res.arrayBuffer().catch(() => undefined);
      return { ok: res.ok, status: res.status, error: res.ok ? null : `HTTP ${res.status}`, durationMs: Math.round(performance.now() - started) };
    } catch (e) {
      const err = e as Error;
      // Never echo the URL back (it may carry a secret): say what went wrong, not where.
      const error = err.name === 'TimeoutError' ? `timed out after ${(this.o.timeoutMs ?? 5000) / 1000} s` : ((err.cause as Error | undefined)?.message ?? err.message).split(row.url).join(redactUrl(row.url));
      return { ok: false, status: null, error, durationMs: Math.round(performance.now() - started) };
    }
  }

  private async deliver(row: Claimed): Promise<void> {
    const result = await this.send(row);
    const now = this.o.clock.now();
    const at = new Date(now);
    const attempt = row.attempts + 1;
    const gaveUp = !result.ok && attempt >= row.max_attempts;
    const status = result.ok ? 'delivered' : gaveUp ? 'failed' : 'pending';
    await this.o.db
      .$transaction(async (tx) => {
        // Guarded by the attempt count: a process whose lock lapsed meanwhile records nothing.
        const n = await tx.$executeRaw`
          UPDATE notification_outbox
          SET attempts = ${attempt}, status = ${status}, locked_until = NULL, last_error = ${result.error},
              next_attempt_at = ${result.ok || gaveUp ? at : new Date(now + backoffMs(attempt))},
              delivered_at = ${result.ok ? at : null}
          WHERE id = ${row.id} AND attempts = ${row.attempts} AND status = 'pending'`;
        if (n !== 1) return;
        await tx.notificationAttempt.create({ data: { outboxId: row.id, attempt, at, ok: result.ok, status: result.status, error: result.error, durationMs: result.durationMs } });
        if (row.deployment_id && status !== 'pending') {
          const where = `${row.format} target ${redactUrl(row.url)}`;
          const message = result.ok
            ? `Notified ${where} (${row.kind})${attempt > 1 ? ` after ${attempt} attempts` : ''}`
            : `Gave up notifying ${where} (${row.kind}) after ${attempt} attempts: ${result.error}`;
          await appendEvents(tx, row.deployment_id, [{ type: result.ok ? 'notification_delivered' : 'notification_failed', message, data: { notification: Number(row.id), attempts: attempt, kind: row.kind } }], 'flightdeck', at);
        }
      })
      .catch((e: unknown) => this.o.log?.(`recording notification ${row.id} failed: ${String(e)}`));
  }
}
