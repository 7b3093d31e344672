import { Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { AuthModule } from '../../auth/auth.module.js';
import { CommandsModule } from '../../commands/commands.module.js';
import { HttpErrorFilter } from './error.filter.js';
import { MetricsController } from './metrics.controller.js';
import { RestController } from './rest.controller.js';

/** The REST face of the command table, and the one filter that shapes every HTTP error. */
@Module({
  imports: [CommandsModule, AuthModule],
  controllers: [RestController, MetricsController],
  providers: [{ provide: APP_FILTER, useClass: HttpErrorFilter }],
})
export class RestModule {}
