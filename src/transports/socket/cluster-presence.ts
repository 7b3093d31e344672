import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { Logger } from 'pino';
import { APP_CONFIG, type AppConfig } from '../../config/config.js';
import type { OnlineUser } from '../../contract/socket-events.js';
import { EventBus } from '../../events/event-bus.js';
import { ControlConnection } from '../../jobs/control-connection.js';
import { Leadership } from '../../jobs/leadership.service.js';
import { LOGGER } from '../../logging/logger.js';
import { PresenceStore, type PresenceChange } from './presence.store.js';

/** How long a change that could not be written waits before it is tried again. */
const RETRY_MS = 1000;

/**
 * Who is online on every instance together. Each instance counts its own sockets per user and
 * writes the count to the database (changes of one user coalesce while a write is under way);
 * the instance whose write takes a user's total from zero, or to zero, publishes
 * `users:online` or `users:offline`, so each happens once whichever instance the sockets are on.
 * The instance running the background work removes what instances that are gone (their control
 * session ended) held, and publishes the offline events they can no longer publish.
 */
@Injectable()
export class ClusterPresence implements OnModuleInit, OnApplicationShutdown {
  private readonly local = new Map<number, OnlineUser>();
  /** Users whose count on this instance changed since it was last written, with their name. */
  private readonly dirty = new Map<number, string>();
  private writing: Promise<void> = Promise.resolve();
  private writeQueued = false;
  private sweepTimer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly bus: EventBus,
    private readonly store: PresenceStore,
    private readonly connection: ControlConnection,
    private readonly leadership: Leadership,
  ) {}

  onModuleInit(): void {
    // A control session that dropped may have made this instance look gone: write everything again.
    this.connection.onReconnect(() => {
      for (const entry of this.local.values()) this.mark(entry.id, entry.username);
    });
    this.scheduleSweep();
  }

  onApplicationShutdown(): void {
    this.stopped = true;
    clearTimeout(this.sweepTimer);
  }

  opened(userId: number, username: string): void {
    const entry = this.local.get(userId) ?? { id: userId, username, sockets: 0 };
    entry.sockets += 1;
    this.local.set(userId, entry);
    this.mark(userId, username);
  }

  closed(userId: number): void {
    const entry = this.local.get(userId);
    if (!entry) return;
    entry.sockets -= 1;
    if (entry.sockets <= 0) this.local.delete(userId);
    this.mark(userId, entry.username);
  }

  /** Everyone online on any instance, once this instance's changes so far are written. */
  async online(): Promise<OnlineUser[]> {
    await this.writing;
    return this.store.online();
  }

  private mark(userId: number, username: string): void {
    this.dirty.set(userId, username);
    if (this.writeQueued || this.stopped) return;
    this.writeQueued = true;
    this.writing = this.writing.then(() => this.write());
  }

  /** Never rejects: a write that fails is tried again a second later. */
  private async write(): Promise<void> {
    this.writeQueued = false;
    for (const [userId, username] of this.dirty) {
      this.dirty.delete(userId);
      try {
        this.announce(await this.store.set(this.connection.instanceId, userId, username, this.local.get(userId)?.sockets ?? 0));
      } catch (error) {
        this.logger.warn({ error: (error as Error).message, userId }, 'could not record presence; trying again');
        setTimeout(() => this.mark(userId, username), RETRY_MS).unref();
      }
    }
  }

  private announce({ userId, username, before, after }: PresenceChange): void {
    const event = before === 0 && after > 0 ? 'online' : before > 0 && after === 0 ? 'offline' : undefined;
    if (!event) return;
    this.bus.publish('domain', { domain: 'users', entity: userId, event, details: { id: userId, username, sockets: after }, audience: 'admins' });
  }

  private scheduleSweep(): void {
    if (this.stopped) return;
    this.sweepTimer = setTimeout(() => {
      void this.sweep().finally(() => this.scheduleSweep());
    }, this.config.backgroundLockRetrySeconds * 1000);
    this.sweepTimer.unref();
  }

  /** On the instance running the background work: what gone instances held goes offline. */
  private async sweep(): Promise<void> {
    if (!this.leadership.isLeader()) return;
    try {
      // Its own session unseen (down, or not visible to this role): nothing can be told gone.
      if (!(await this.store.sees(this.connection.instanceId))) return;
      for (const instance of await this.store.goneInstances()) {
        const changes = await this.store.removeInstance(instance);
        this.logger.info({ instance, users: changes.length }, 'an instance is gone; its sockets are offline');
        changes.forEach((change) => this.announce(change));
      }
    } catch (error) {
      this.logger.warn({ error: (error as Error).message }, 'could not check for instances that are gone');
    }
  }
}
