import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { Logger } from 'pino';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { LeaderInterval } from '../jobs/leader-interval.js';
import { Leadership } from '../jobs/leadership.service.js';
import { LOGGER } from '../logging/logger.js';
import { AuditRepository } from './audit.repository.js';

/**
 * On the instance that runs background work, drops audit records older than AUDIT_RETENTION, at
 * once on taking the lead and then every EVENTS_PRUNE_INTERVAL.
 */
@Injectable()
export class AuditRetention implements OnModuleInit, OnApplicationShutdown {
  private readonly interval: LeaderInterval;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly records: AuditRepository,
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

  async prune(): Promise<number> {
    try {
      const removed = await this.records.prune(this.config.auditRetentionSeconds);
      if (removed > 0) this.logger.info({ removed }, 'pruned old audit records');
      return removed;
    } catch (error) {
      this.logger.warn({ error: (error as Error).message }, 'could not prune old audit records');
      return 0;
    }
  }
}
