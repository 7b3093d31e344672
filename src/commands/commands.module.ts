import { Module } from '@nestjs/common';
import { Dispatcher } from './dispatcher.js';
import { RateLimiter } from './rate-limiter.js';

/** The command kernel both transports stand on: one dispatcher and its rate limits. */
@Module({
  providers: [Dispatcher, RateLimiter],
  exports: [Dispatcher, RateLimiter],
})
export class CommandsModule {}
