import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { Logger } from 'pino';
import { ControlConnection } from '../jobs/control-connection.js';
import { LOGGER } from '../logging/logger.js';
import { EventBus } from './event-bus.js';
import { EventStore, PAGE, type StoredEvent } from './event-store.js';

const NOTIFY_CHANNEL = 'mtx_relay_events';
// A safety net under LISTEN/NOTIFY: a notification lost with a dropped connection is picked up here.
const POLL_MS = 2000;
const CATCH_UP_MS = 3000;

/**
 * Hands the stored events of every instance to the `feed` in seq order, read from the events
 * table, so all instances deliver the same events in the same order. Reads on another
 * instance's NOTIFY, when the control connection is back, and every 2 s.
 */
@Injectable()
export class EventLog implements OnModuleInit, OnApplicationShutdown {
  private delivered = 0;
  private started: Promise<void> | undefined;
  private pumping = false;
  private pumpAgain = false;
  private pollTimer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly store: EventStore,
    private readonly bus: EventBus,
    private readonly connection: ControlConnection,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.start();
    // The payload is the highest seq written; this instance's own writes are usually delivered
    // already. Anything else (an empty payload from an older trigger) means: read.
    await this.connection.listen(NOTIFY_CHANNEL, (payload) => {
      if (!(Number.parseInt(payload, 10) <= this.delivered)) this.pump();
    });
    this.connection.onReconnect(() => this.pump());
    this.pollTimer = setInterval(() => this.pump(), POLL_MS);
    this.pollTimer.unref();
  }

  onApplicationShutdown(): void {
    this.stopped = true;
    clearInterval(this.pollTimer);
  }

  /** Learns the latest seq stored, which is where delivery starts; once, however often it is called. */
  start(): Promise<void> {
    this.started ??= this.store.latestSeq().then((seq) => {
      this.delivered = seq;
    });
    return this.started;
  }

  /** The highest seq this instance has delivered: every event up to it has gone out. */
  lastDelivered(): number {
    return this.delivered;
  }

  /** Waits (a few seconds at most) until this instance has delivered every event up to `seq`. */
  async caughtUp(seq: number): Promise<void> {
    for (let waited = 0; this.delivered < seq && waited < CATCH_UP_MS; waited += 20) {
      this.pump();
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /**
   * Delivers events this instance just stored without reading them back, when nothing can come
   * between: the first follows the last delivered one and no read is under way. Otherwise
   * returns false, and the pump reads them in order with the rest.
   */
  deliverWritten(events: StoredEvent[]): boolean {
    if (this.pumping || events.length === 0 || events[0].seq !== this.delivered + 1) return false;
    for (const event of events) {
      this.delivered = event.seq;
      this.bus.publish('feed', event);
    }
    return true;
  }

  /** Hands every event stored after the last delivered one to the feed, in seq order. */
  pump(): void {
    if (this.stopped) return;
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    this.pumping = true;
    void (async () => {
      try {
        do {
          this.pumpAgain = false;
          let events: StoredEvent[];
          do {
            events = await this.store.after(this.delivered);
            for (const event of events) {
              this.delivered = event.seq;
              this.bus.publish('feed', event);
            }
          } while (events.length === PAGE);
        } while (this.pumpAgain && !this.stopped);
      } catch (error) {
        this.logger.debug({ error: (error as Error).message }, 'could not read new events; will retry');
      } finally {
        this.pumping = false;
      }
    })();
  }
}
