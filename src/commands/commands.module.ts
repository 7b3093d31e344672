import { Module } from '@nestjs/common';
import { LoginBudgetsStore } from './login-budgets.store.js';
import { Dispatcher } from './dispatcher.js';
import { RateLimiter } from './rate-limiter.js';
import { RequestGate } from './request-gate.js';

/** The command kernel both transports stand on: one dispatcher, its rate limits, and the gate that drains requests on shutdown. */
@Module({
  providers: [Dispatcher, RateLimiter, RequestGate, LoginBudgetsStore],
  exports: [Dispatcher, RateLimiter, RequestGate],
})
export class CommandsModule {}
