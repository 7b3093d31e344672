import { Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { AuthModule } from '../auth/auth.module.js';
import { Dispatcher } from './dispatcher.js';
import { HttpErrorFilter } from './error.filter.js';
import { RateLimiter } from '../ratelimit/rate-limiter.js';
import { RestController } from './rest.controller.js';

@Module({
  imports: [AuthModule],
  controllers: [RestController],
  providers: [Dispatcher, RateLimiter, { provide: APP_FILTER, useClass: HttpErrorFilter }],
  exports: [Dispatcher, RateLimiter],
})
export class ApiModule {}
