import { randomUUID } from 'node:crypto';
import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import pg from 'pg';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { LOGGER } from '../logging/logger.js';

const RECONNECT_MS = 1000;
/** The control sessions are named this and the instance's id: a session that is gone is an instance that is gone. */
export const CONTROL_SESSION_PREFIX = 'mtx-relay control ';

type Listener = () => void;
type NotificationListener = (payload: string) => void;

/**
 * One long-lived PostgreSQL session of this instance, outside the pool: it LISTENs for other
 * instances' notifications and holds session-level advisory locks. When it drops, everything
 * it held is gone with it; `onReconnect` listeners are told once it is back.
 */
@Injectable()
export class ControlConnection implements OnApplicationShutdown {
  /** This instance among those on the database, for as long as the process runs. */
  readonly instanceId = randomUUID();
  private client: pg.Client | undefined;
  private connecting: Promise<pg.Client | undefined> | undefined;
  private stopped = false;
  private readonly channels = new Map<string, NotificationListener[]>();
  private readonly reconnectListeners: Listener[] = [];
  private readonly lostListeners: Listener[] = [];

  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** Calls `listener` on every NOTIFY on `channel`, across reconnects. */
  async listen(channel: string, listener: NotificationListener): Promise<void> {
    const known = this.channels.get(channel);
    if (known) return void known.push(listener);
    this.channels.set(channel, [listener]);
    const client = await this.connected();
    await client?.query(`LISTEN ${pg.escapeIdentifier(channel)}`).catch(() => undefined);
  }

  onReconnect(listener: Listener): void {
    this.reconnectListeners.push(listener);
  }

  /** Called when the session drops: its advisory locks are released. */
  onLost(listener: Listener): void {
    this.lostListeners.push(listener);
  }

  /** Runs a query on this session; undefined when it is down right now. */
  async query<Row extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<Row[] | undefined> {
    const client = await this.connected();
    if (!client) return undefined;
    try {
      return (await client.query<Row>(sql, params)).rows;
    } catch (error) {
      this.logger.debug({ error: (error as Error).message }, 'control connection query failed');
      return undefined;
    }
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private connected(): Promise<pg.Client | undefined> {
    if (this.client) return Promise.resolve(this.client);
    this.connecting ??= this.open().finally(() => (this.connecting = undefined));
    return this.connecting;
  }

  private async open(): Promise<pg.Client | undefined> {
    if (this.stopped) return undefined;
    const options = this.dataSource.options as { url?: string; extra?: { connectionTimeoutMillis?: number } };
    // keepAlive: a half-open session must be noticed, or this instance would think it still holds its locks.
    const client = new pg.Client({
      connectionString: options.url,
      application_name: `${CONTROL_SESSION_PREFIX}${this.instanceId}`,
      connectionTimeoutMillis: options.extra?.connectionTimeoutMillis ?? 5000,
      keepAlive: true,
    });
    client.on('error', (error) => this.dropped(client, error));
    client.on('end', () => this.dropped(client));
    client.on('notification', ({ channel, payload }) => {
      for (const listener of this.channels.get(channel) ?? []) listener(payload ?? '');
    });
    try {
      await client.connect();
      if (this.stopped) {
        await client.end();
        return undefined;
      }
      for (const channel of this.channels.keys()) await client.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
    } catch (error) {
      this.logger.debug({ error: (error as Error).message }, 'control connection could not connect');
      await client.end().catch(() => undefined);
      this.retrySoon();
      return undefined;
    }
    this.client = client;
    return client;
  }

  private dropped(client: pg.Client, error?: Error): void {
    if (this.client !== client) return;
    this.client = undefined;
    if (this.stopped) return;
    this.logger.warn({ error: error?.message }, 'lost the database control connection; reconnecting');
    for (const listener of this.lostListeners) listener();
    this.retrySoon();
  }

  private retrySoon(): void {
    if (this.stopped) return;
    setTimeout(() => {
      void this.connected().then((client) => {
        if (client) for (const listener of this.reconnectListeners) listener();
      });
    }, RECONNECT_MS).unref();
  }
}
