import { Inject, Injectable } from '@nestjs/common';
import { DomainError } from '../common/errors.js';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { LoginBudgetsStore } from './login-budgets.store.js';
import { RelayMetrics, type RateBudget } from '../metrics/relay-metrics.js';
import { TokenBuckets } from './token-buckets.js';

const limited = (retryAfterMs: number, what: string): DomainError =>
  new DomainError('rate_limited', `too many requests ${what}; retry in ${retryAfterMs} ms`, [{ retryAfterMs }]);

/** Full login buckets are dropped once every this many login charges. */
const FORGET_EVERY = 1000;

/**
 * The request budgets, the same on both transports: per connection and per user (kept by each
 * instance), and for logins per address, REST and MediaMTX readers apart (kept in the database,
 * one budget for every instance).
 */
@Injectable()
export class RateLimiter {
  private readonly connections: TokenBuckets;
  private readonly users: TokenBuckets;
  private loginCharges = 0;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly logins: LoginBudgetsStore,
    private readonly metrics: RelayMetrics,
  ) {
    this.connections = new TokenBuckets(config.rateLimits.connection);
    this.users = new TokenBuckets(config.rateLimits.user);
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

  async chargeLogin(address: string): Promise<void> {
    const limits = this.config.rateLimits.login;
    const wait = await this.logins.take(address, limits);
    this.loginCharges += 1;
    if (this.loginCharges % FORGET_EVERY === 0) void this.logins.forgetFull(limits).catch(() => undefined);
    if (wait > 0) throw this.refused('login', limited(wait, 'to log in from this address'));
  }

  /**
   * Password checks for MediaMTX readers, per reader address: a budget of the same size as
   * REST logins but apart from it, so readers cannot use up the address's REST logins.
   */
  async chargeReaderLogin(address: string): Promise<void> {
    const wait = await this.logins.take(`reader:${address}`, this.config.rateLimits.login);
    if (wait > 0) throw limited(wait, 'to check a reader password from this address');
  }

  connectionClosed(connection: string): void {
    this.connections.forget(connection);
  }

  private refused(budget: RateBudget, error: DomainError): DomainError {
    this.metrics.rateLimited(budget);
    return error;
  }
}
