import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { Logger } from 'pino';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { LeaderInterval } from '../jobs/leader-interval.js';
import { Leadership } from '../jobs/leadership.service.js';
import { LOGGER } from '../logging/logger.js';
import { EventStore } from './event-store.js';

/**
 * On the instance that runs background work, drops events older than the retention or beyond
 * the row limit, at once on taking the lead and then every prune interval.
 */
@Injectable()
export class EventRetention implements OnModuleInit, OnApplicationShutdown {
  private readonly interval: LeaderInterval;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly store: EventStore,
    leadership: Leadership,
  ) {
    this.interval = new LeaderInterval(leadership, config.events.pruneIntervalSeconds * 1000, () => this.prune());
  }

  onModuleInit(): void {
    this.interval.start();
  }

  onApplicationShutdown(): void {
    this.interval.stop();
  }

  /** Drops old events, oldest first, and records how far; returns how many went. */
  async prune(): Promise<number> {
    try {
      const { removed, throughSeq } = await this.store.prune(this.config.events.retentionSeconds, this.config.events.maxRows);
      this.logger.debug({ removed }, 'event pruning ran');
      if (removed > 0) this.logger.info({ removed, throughSeq }, 'pruned old events');
      return removed;
    } catch (error) {
      this.logger.warn({ error: (error as Error).message }, 'could not prune old events');
      return 0;
    }
  }
}
