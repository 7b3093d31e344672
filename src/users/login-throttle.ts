import { Inject, Injectable } from '@nestjs/common';
import { DomainError } from '../common/errors.js';
import { APP_CONFIG, type AppConfig } from '../config/config.js';

interface Failures {
  count: number;
  blockedUntil: number;
}

const MAX_TRACKED = 50_000;

/**
 * Slows down password guessing per account name: after a few free failures each further
 * attempt must wait twice as long as the last, up to a ceiling. Names that do not exist are
 * tracked the same way, so the answers do not tell them apart. Logins and the current password
 * given to change one's own password draw on the same count.
 */
@Injectable()
export class LoginThrottle {
  private readonly failures = new Map<string, Failures>();

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  assertAllowed(username: string, now = Date.now()): void {
    const entry = this.failures.get(username.toLowerCase());
    if (entry && entry.blockedUntil > now) {
      const retryAfterMs = entry.blockedUntil - now;
      throw new DomainError('rate_limited', `too many failed logins for this account; try again in ${Math.ceil(retryAfterMs / 1000)} s`, [
        { retryAfterMs },
      ]);
    }
  }

  recordFailure(username: string, now = Date.now()): void {
    const key = username.toLowerCase();
    const entry = this.failures.get(key) ?? { count: 0, blockedUntil: 0 };
    entry.count += 1;
    // The failure that uses up the free attempts already makes the next attempt wait: with 5
    // free, the 6th check waits 1 s, the 7th 2 s after that, and so on.
    const excess = entry.count - this.config.loginFreeAttempts;
    if (excess >= 0) {
      const delayMs = Math.min(1000 * 2 ** excess, this.config.loginMaxBackoffSeconds * 1000);
      entry.blockedUntil = now + delayMs;
    }
    this.failures.delete(key);
    if (this.failures.size >= MAX_TRACKED) this.failures.delete(this.failures.keys().next().value as string);
    this.failures.set(key, entry);
  }

  recordSuccess(username: string): void {
    this.failures.delete(username.toLowerCase());
  }
}
