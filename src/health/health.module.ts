import { Inject, Module, type OnModuleInit } from '@nestjs/common';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { CommandRegistry } from '../commands/command-registry.js';
import { Leadership } from '../jobs/leadership.service.js';
import { LOGGER } from '../logging/logger.js';
import { HookHealth } from '../mediamtx/hook-health.js';
import { MediaMtxWatch } from '../mediamtx/mediamtx-watch.service.js';
import { MediaMtxModule } from '../mediamtx/mediamtx.module.js';
import { healthCommands } from './health.commands.js';
import { HealthChangeLog } from './readiness.js';

@Module({ imports: [MediaMtxModule] })
export class HealthModule implements OnModuleInit {
  constructor(
    private readonly registry: CommandRegistry,
    @Inject(DataSource) private readonly dataSource: DataSource,
    private readonly hooks: HookHealth,
    private readonly leadership: Leadership,
    private readonly mediamtx: MediaMtxWatch,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onModuleInit(): void {
    this.registry.register(
      'health',
      healthCommands({
        dataSource: this.dataSource,
        hooks: this.hooks,
        leadership: this.leadership,
        mediamtx: this.mediamtx,
        readinessLog: new HealthChangeLog(this.logger),
        healthLog: new HealthChangeLog(this.logger, { failing: 'unhealthy', passing: 'healthy again' }),
      }),
    );
  }
}
