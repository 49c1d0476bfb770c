/**
 * LISTENs on PostgreSQL channels with one dedicated connection per process. Notifications
 * are only hints ("something after seq N exists"); consumers read the events themselves
 * from the database, so ordering and completeness never depend on the notification.
 */
import pg from 'pg';
import { EventEmitter } from 'node:events';

export interface EventHint {
  deploymentId: string;
  serviceId: string;
  seq: number;
  cursor: number;
}

export class PgBus extends EventEmitter {
  private client: pg.Client | null = null;
  private closed = false;

  constructor(
    private readonly url: string,
    private readonly channels: string[],
  ) {
    super();
  }

  async start(): Promise<void> {
    const client = new pg.Client({ connectionString: this.url });
    client.on('notification', (n) => {
      let payload: unknown = n.payload;
      try {
        payload = JSON.parse(n.payload ?? 'null');
      } catch {
        /* plain text payload */
      }
      this.emit(n.channel, payload);
    });
    client.on('error', (e) => {
      this.emit('error', e);
      if (!this.closed) setTimeout(() => void this.reconnect(), 500);
    });
    await client.connect();
    for (const ch of this.channels) await client.query(`LISTEN ${pg.escapeIdentifier(ch)}`);
    this.client = client;
    // Anything missed while (re)connecting is recovered by consumers reading from the DB.
    this.emit('reconnected');
  }

  private async reconnect(): Promise<void> {
    await this.client?.end().catch(() => {});
    this.client = null;
    if (!this.closed) await this.start().catch(() => setTimeout(() => void this.reconnect(), 1000));
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.client?.end().catch(() => {});
  }
}
