import { Global, Module, type DynamicModule } from '@nestjs/common';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { CommandRegistry } from './commands/command-registry.js';
import { TEST_SEAMS, type TestSeams } from './common/test-seams.js';
import { APP_CONFIG, type AppConfig } from './config/config.js';
import { EventBus } from './events/event-bus.js';
import { LogStream } from './logging/log-stream.js';
import { LOGGER } from './logging/logger.js';

export interface CoreDependencies {
  config: AppConfig;
  logger: Logger;
  dataSource: DataSource;
  logStream: LogStream;
  seams: TestSeams;
}

/** What every feature may use: config, logger and its live stream, database, event bus and the command registry. */
@Global()
@Module({})
export class CoreModule {
  static forRoot({ config, logger, dataSource, logStream, seams }: CoreDependencies): DynamicModule {
    return {
      module: CoreModule,
      providers: [
        { provide: APP_CONFIG, useValue: config },
        { provide: LOGGER, useValue: logger },
        { provide: DataSource, useValue: dataSource },
        { provide: LogStream, useValue: logStream },
        { provide: TEST_SEAMS, useValue: seams },
        EventBus,
        CommandRegistry,
      ],
      exports: [APP_CONFIG, LOGGER, DataSource, LogStream, TEST_SEAMS, EventBus, CommandRegistry],
    };
  }
}
