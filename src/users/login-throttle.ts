import { Inject, Injectable } from '@nestjs/common';
import { DomainError } from '../common/errors.js';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { LoginFailuresStore } from './login-failures.store.js';

/** Old rows are dropped once every this many failures, by whichever instance counts it. */
const FORGET_EVERY = 1000;

/**
 * Slows down password guessing per account name: after a few free failures each further
 * attempt must wait twice as long as the last, up to a ceiling. Names that do not exist are
 * tracked the same way, so the answers do not tell them apart. Logins and the current password
 * given to change one's own password draw on the same count, kept in the database so that every
 * instance draws on it too.
 */
@Injectable()
export class LoginThrottle {
  private failuresCounted = 0;
  /** Set by `apart`: the accounts of this back-off are kept under their own names. */
  private scope = '';

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly store: LoginFailuresStore,
  ) {}

  /** The same back-off for the same accounts, counted apart under `name` (MediaMTX readers have their own). */
  apart(name: string): LoginThrottle {
    const throttle = new LoginThrottle(this.config, this.store);
    throttle.scope = `${name}:`;
    return throttle;
  }

  /**
   * Refuses an account that must wait; otherwise counts the attempt as a failure until
   * `recordSuccess`, so that guesses sent in parallel cannot all slip in first.
   */
  async beginAttempt(username: string): Promise<void> {
    const outcome = await this.store.countFailure(this.scope + username.toLowerCase(), this.config.loginFreeAttempts, this.config.loginMaxBackoffSeconds * 1000);
    if (outcome.refused) {
      const { retryAfterMs } = outcome;
      throw new DomainError('rate_limited', `too many failed logins for this account; try again in ${Math.ceil(retryAfterMs / 1000)} s`, [{ retryAfterMs }]);
    }
    this.failuresCounted += 1;
    if (this.failuresCounted % FORGET_EVERY === 0) void this.store.forgetOld().catch(() => undefined);
  }

  async recordSuccess(username: string): Promise<void> {
    await this.store.clear(this.scope + username.toLowerCase());
  }
}
