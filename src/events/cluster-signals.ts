import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleInit } from '@nestjs/common';
import type { Logger } from 'pino';
import { ControlConnection } from '../jobs/control-connection.js';
import { LOGGER } from '../logging/logger.js';
import { EventBus, type InternalEvents } from './event-bus.js';
import { EventStore } from './event-store.js';

const CHANNEL = 'mtx_relay_signals';
/** Internal events that other instances must act on too: they end sessions and move sockets. */
const SHARED = ['user.revoked', 'session.revoked', 'access.changed', 'stream-token.revoked'] as const;
type SharedName = (typeof SHARED)[number];

/** PostgreSQL refuses a NOTIFY payload of 8000 bytes or more. */
const MAX_PAYLOAD_BYTES = 7999;
/** A failed send, or a failed read of what a signal stands for, is tried again after each of these waits. */
const RETRY_DELAYS_MS = [100, 500, 2000];

/**
 * What crosses to the other instances: only what names the change, so that it always fits a
 * NOTIFY payload. An access change leaves its grants behind (a user may have thousands); the
 * receiving instance reads them back from the database.
 */
interface WireEvents {
  'user.revoked': InternalEvents['user.revoked'];
  'session.revoked': InternalEvents['session.revoked'];
  'access.changed': { userId: number };
  'stream-token.revoked': InternalEvents['stream-token.revoked'];
}

type Signal = { [Name in SharedName]: { from: string; name: Name; event: WireEvents[Name] } }[SharedName];

/** What a user may see now, read on the instance that heard of the change; null when the user is gone. */
export type AccessReader = (userId: number) => Promise<Omit<InternalEvents['access.changed'], 'userId'> | null>;

/** Runs `attempt`, trying again after each of `delaysMs` while it fails; the last failure is thrown. */
async function withRetries<T>(attempt: () => Promise<T>, delaysMs: readonly number[]): Promise<T> {
  for (const delayMs of delaysMs) {
    try {
      return await attempt();
    } catch {
      await sleep(delayMs, undefined, { ref: false });
    }
  }
  return attempt();
}

/**
 * Passes revocations and access changes to every other instance on the same database (NOTIFY),
 * where they are published on the local bus as if they had happened there, so sockets and
 * caches everywhere follow at once. Signals are sent one at a time in order; access changes are
 * read back one at a time in order, revocations acted on at once.
 */
@Injectable()
export class ClusterSignals implements OnModuleInit, OnApplicationBootstrap {
  private readonly instance = randomUUID();
  private replaying = false;
  private sending: Promise<void> = Promise.resolve();
  private receiving: Promise<void> = Promise.resolve();
  private readAccess: AccessReader | undefined;

  constructor(
    private readonly store: EventStore,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly bus: EventBus,
    private readonly connection: ControlConnection,
  ) {}

  onModuleInit(): void {
    for (const name of SHARED) {
      this.bus.subscribe(name, (event: InternalEvents[SharedName]) => {
        if (!this.replaying) this.sending = this.sending.then(() => this.send(this.pack(name, event)));
      });
    }
  }

  /** Listens once every module is initialised, so the access reader is registered before the first signal. */
  async onApplicationBootstrap(): Promise<void> {
    await this.connection.listen(CHANNEL, (payload) => this.receive(payload));
  }

  /** Set by the users feature: how to read back the access an `access.changed` signal names. */
  readAccessWith(reader: AccessReader): void {
    this.readAccess = reader;
  }

  private pack(name: SharedName, event: InternalEvents[SharedName]): Signal {
    if (name === 'access.changed') return { from: this.instance, name, event: { userId: event.userId } };
    return { from: this.instance, name, event } as Signal;
  }

  /** Never rejects: a signal that cannot be sent is logged at error level. */
  private async send(signal: Signal): Promise<void> {
    const payload = JSON.stringify(signal);
    const bytes = Buffer.byteLength(payload, 'utf8');
    if (bytes > MAX_PAYLOAD_BYTES) {
      this.logger.error({ signal: signal.name, bytes }, 'a signal is too large to tell other instances; they will not follow this change');
      return;
    }
    try {
      await withRetries(() => this.store.notify(CHANNEL, payload), RETRY_DELAYS_MS);
    } catch (error) {
      this.logger.error({ error: (error as Error).message, signal: signal.name }, 'could not tell other instances; they will not follow this change');
    }
  }

  private receive(payload: string): void {
    let signal: Signal;
    try {
      signal = JSON.parse(payload) as Signal;
    } catch {
      return;
    }
    if (signal.from === this.instance || !(SHARED as readonly string[]).includes(signal.name)) return;
    // Revocations need no database: they act at once, not behind an access change being read back.
    if (signal.name === 'access.changed') this.receiving = this.receiving.then(() => this.readBack(signal.event.userId));
    else this.replay(signal.name, signal.event);
  }

  /** Never rejects: an access change that cannot be read back is logged at error level. */
  private async readBack(userId: number): Promise<void> {
    try {
      const read = this.readAccess;
      if (!read) throw new Error('no reader of user access is registered');
      const access = await withRetries(() => read(userId), RETRY_DELAYS_MS);
      if (access) this.replay('access.changed', { userId, ...access });
    } catch (error) {
      this.logger.error({ error: (error as Error).message, signal: 'access.changed' }, 'could not act on a signal from another instance');
    }
  }

  private replay<Name extends SharedName>(name: Name, event: InternalEvents[Name]): void {
    this.replaying = true;
    try {
      this.bus.publish(name, event);
    } finally {
      this.replaying = false;
    }
  }
}
