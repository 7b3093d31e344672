import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { Logger } from 'pino';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { Leadership } from '../jobs/leadership.service.js';
import { LOGGER } from '../logging/logger.js';
import { AuditRepository } from './audit.repository.js';

/**
 * On the instance that runs background work, drops audit records older than AUDIT_RETENTION, at
 * once on taking the lead and then every EVENTS_PRUNE_INTERVAL.
 */
@Injectable()
export class AuditRetention implements OnModuleInit, OnApplicationShutdown {
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly records: AuditRepository,
    private readonly leadership: Leadership,
  ) {}

  onModuleInit(): void {
    this.leadership.onChange((leader) => (leader ? this.schedule(0) : clearTimeout(this.timer)));
    if (this.leadership.isLeader()) this.schedule(0);
  }

  onApplicationShutdown(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private schedule(delayMs: number): void {
    clearTimeout(this.timer);
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      void this.prune().finally(() => {
        if (this.leadership.isLeader()) this.schedule(this.config.events.pruneIntervalSeconds * 1000);
      });
    }, delayMs);
    this.timer.unref();
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
