/**
 * LISTENs on PostgreSQL channels with one dedicated connection per process. Notifications
 * are only hints ("something after seq N exists"); consumers read the events themselves
 * from the database, so ordering and completeness never depend on the notification.
 *
 * Exactly one connection listens at any time, whatever happens to the database: a lost
 * connection (both its `error` and its `end`) schedules ONE reconnection, retried with backoff
 * until the database answers again; `error` is emitted once per outage and `reconnected` when
 * listening again (consumers then re-read what they may have missed).
 */
import pg from 'pg';
import { EventEmitter } from 'node:events';

export interface EventHint {
  deploymentId: string;
  serviceId: string;
  seq: number;
  cursor: number;
}

const RETRY_FIRST_MS = 250;
const RETRY_MAX_MS = 5_000;

export class PgBus extends EventEmitter {
  private client: pg.Client | null = null;
  private closed = false;
  private retry: ReturnType<typeof setTimeout> | null = null;
  private retryMs = RETRY_FIRST_MS;
  private outage = false;

  constructor(
    private readonly url: string,
    private readonly channels: string[],
  ) {
    super();
  }

  /** Connect and listen; throws if the database cannot be reached now (a process starting). */
  async start(): Promise<void> {
    await this.connect();
  }

  /** Whether a connection is listening now. */
  get listening(): boolean {
    return this.client !== null;
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.url });
    let current = false;
    let lost = false;
    const onLost = (e: Error) => {
      if (!current || lost) return; // a failed attempt is handled where it was made; one loss, one reconnection
      lost = true;
      this.lose(client, e);
    };
    client.on('notification', (n) => {
      let payload: unknown = n.payload;
      try {
        payload = JSON.parse(n.payload ?? 'null');
      } catch {
        /* plain text payload */
      }
      this.emit(n.channel, payload);
    });
    client.on('error', onLost);
    client.on('end', () => onLost(new Error('the listening connection ended')));
    try {
      await client.connect();
      for (const ch of this.channels) await client.query(`LISTEN ${pg.escapeIdentifier(ch)}`);
    } catch (e) {
      await client.end().catch(() => {});
      throw e;
    }
    if (this.closed) {
      await client.end().catch(() => {});
      return;
    }
    current = true;
    this.client = client;
    this.retryMs = RETRY_FIRST_MS;
    this.outage = false;
    // Anything missed while (re)connecting is recovered by consumers reading from the DB.
    this.emit('reconnected');
  }

  private lose(client: pg.Client, e: Error): void {
    if (this.client === client) this.client = null;
    void client.end().catch(() => {});
    if (this.closed) return;
    if (!this.outage) {
      this.outage = true;
      this.emit('error', e);
    }
    this.schedule();
  }

  private schedule(): void {
    if (this.retry || this.closed) return;
    this.retry = setTimeout(() => {
      this.retry = null;
      this.connect().catch(() => {
        this.retryMs = Math.min(this.retryMs * 2, RETRY_MAX_MS);
        this.schedule();
      });
    }, this.retryMs);
    this.retry.unref?.();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.retry) clearTimeout(this.retry);
    this.retry = null;
    const c = this.client;
    this.client = null;
    await c?.end().catch(() => {});
  }
}
