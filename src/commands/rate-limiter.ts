import { Inject, Injectable } from '@nestjs/common';
import { DomainError } from '../common/errors.js';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { RelayMetrics, type RateBudget } from '../metrics/relay-metrics.js';
import { TokenBuckets } from './token-buckets.js';

const limited = (retryAfterMs: number, what: string): DomainError =>
  new DomainError('rate_limited', `too many requests ${what}; retry in ${retryAfterMs} ms`, [{ retryAfterMs }]);

/** The request budgets, the same on both transports: per connection, per user, and for logins per address. */
@Injectable()
export class RateLimiter {
  private readonly connections: TokenBuckets;
  private readonly users: TokenBuckets;
  private readonly logins: TokenBuckets;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly metrics: RelayMetrics,
  ) {
    this.connections = new TokenBuckets(config.rateLimits.connection);
    this.users = new TokenBuckets(config.rateLimits.user);
    this.logins = new TokenBuckets(config.rateLimits.login);
  }

  /** `connection` is a socket id, or the client address for REST. */
  chargeConnection(connection: string): void {
    const wait = this.connections.take(connection);
    if (wait > 0) throw this.refused('connection', limited(wait, 'on this connection'));
  }

  chargeUser(userId: number): void {
    const wait = this.users.take(String(userId));
    if (wait > 0) throw this.refused('user', limited(wait, 'for this user'));
  }

  chargeLogin(address: string): void {
    const wait = this.logins.take(address);
    if (wait > 0) throw this.refused('login', limited(wait, 'to log in from this address'));
  }

  connectionClosed(connection: string): void {
    this.connections.forget(connection);
  }

  private refused(budget: RateBudget, error: DomainError): DomainError {
    this.metrics.rateLimited(budget);
    return error;
  }
}
