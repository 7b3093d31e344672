import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { Logger } from 'pino';
import { isStatementTimeout } from '../common/database-errors.js';
import { LOGGER } from '../logging/logger.js';
import { RelayMetrics } from '../metrics/relay-metrics.js';
import { audienceOf } from './audience.js';
import { EventBus, type DomainEvent } from './event-bus.js';
import { EventLog } from './event-log.service.js';
import { EventStore, numbered, PAGE, type StoredEvent, type UnnumberedEvent } from './event-store.js';

type QueuedEvent = { event: DomainEvent; at: string };

/** Told of every batch this instance stores, once it is delivered; the next batch waits for it. */
export type StoredEventsListener = (events: StoredEvent[]) => Promise<void>;

const unnumbered = ({ event, at }: QueuedEvent): UnnumberedEvent => ({
  domain: event.domain,
  entity: event.entity,
  event: event.event,
  details: event.details,
  at,
  audiences: audienceOf(event),
});

/**
 * Numbers every domain event of this instance from one PostgreSQL sequence and stores it, in
 * batches written one at a time so this instance's events keep their order, then delivers them.
 */
@Injectable()
export class EventWriter implements OnModuleInit, OnApplicationShutdown {
  private readonly queue: QueuedEvent[] = [];
  private readonly storedListeners: StoredEventsListener[] = [];
  private writing = false;
  private stopped = false;

  constructor(
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly store: EventStore,
    private readonly bus: EventBus,
    private readonly log: EventLog,
    private readonly metrics: RelayMetrics,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.log.start();
    this.bus.subscribe('domain', (event) => this.enqueue(event));
  }

  onApplicationShutdown(): void {
    this.stopped = true;
  }

  onStored(listener: StoredEventsListener): void {
    this.storedListeners.push(listener);
  }

  private enqueue(event: DomainEvent): void {
    this.queue.push({ event, at: new Date().toISOString() });
    if (!this.writing) void this.write();
  }

  private async write(): Promise<void> {
    this.writing = true;
    try {
      await this.writeQueued();
    } finally {
      this.writing = false;
    }
  }

  private async writeQueued(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, PAGE).map(unnumbered);
      let stored: StoredEvent[];
      try {
        stored = await this.store.insert(batch);
        this.metrics.eventsWritten.inc(stored.length);
      } catch (error) {
        this.metrics.eventsUnstored.inc(batch.length);
        if (isStatementTimeout(error)) this.metrics.statementTimedOut('events');
        // Better late and unnumbered than never: this instance's sockets still hear of it.
        (this.stopped ? this.logger.debug : this.logger.warn).call(this.logger, { error: (error as Error).message, events: batch.length }, 'could not store events; delivering them without seq');
        try {
          for (const event of batch) this.bus.publish('feed', numbered(event, null));
        } catch (failure) {
          this.logger.error({ err: failure }, 'delivering an event failed');
        }
        continue;
      }
      try {
        if (!this.log.deliverWritten(stored)) this.log.pump();
      } catch (error) {
        // A listener failed; the events after it are read back by the next pump.
        this.logger.error({ err: error }, 'delivering an event failed');
        this.log.pump();
      }
      for (const listener of this.storedListeners) {
        await listener(stored).catch((error: unknown) => this.logger.error({ err: error }, 'handling stored events failed'));
      }
    }
  }
}
