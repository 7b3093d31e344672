import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

/** Doubling stops growing here: 2^40 ms is far beyond any LOGIN_MAX_BACKOFF, and PostgreSQL's power must not overflow. */
const MAX_EXPONENT = 40;
/** Rows untouched this long and no longer blocking are dropped. */
const FORGET_AFTER = '1 day';

/** Failed password checks per account name, shared by every instance on the database. */
@Injectable()
export class LoginFailuresStore {
  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}

  /**
   * Counts one more failure for `account`, unless it is blocked right now: then nothing is counted
   * and the wait is returned. One statement, so attempts sent at once to several instances are
   * counted one by one. The failure that uses up `free` already blocks the next attempt.
   */
  async countFailure(account: string, free: number, maxBackoffMs: number): Promise<{ refused: false } | { refused: true; retryAfterMs: number }> {
    const rows = await this.dataSource.query<Array<{ refused: boolean; wait_ms: number }>>(
      `INSERT INTO login_failures AS f (account, failures, blocked_until, refused, updated_at)
       VALUES ($1, 1, CASE WHEN 1 >= $2 THEN clock_timestamp() + least(1000 * 2 ^ (1 - $2), $3) * interval '1 millisecond' END, false, clock_timestamp())
       ON CONFLICT (account) DO UPDATE SET
         refused = coalesce(f.blocked_until > clock_timestamp(), false),
         failures = CASE WHEN f.blocked_until > clock_timestamp() THEN f.failures ELSE f.failures + 1 END,
         blocked_until = CASE
           WHEN f.blocked_until > clock_timestamp() THEN f.blocked_until
           WHEN f.failures + 1 >= $2 THEN clock_timestamp() + least(1000 * 2 ^ least(f.failures + 1 - $2, ${MAX_EXPONENT}), $3) * interval '1 millisecond'
           ELSE f.blocked_until END,
         updated_at = clock_timestamp()
       RETURNING refused, greatest(0, ceil(extract(epoch FROM blocked_until - clock_timestamp()) * 1000))::float8 AS wait_ms`,
      [account, free, maxBackoffMs],
    );
    const row = rows[0];
    return row.refused ? { refused: true, retryAfterMs: Math.max(1, row.wait_ms) } : { refused: false };
  }

  async clear(account: string): Promise<void> {
    await this.dataSource.query('DELETE FROM login_failures WHERE account = $1', [account]);
  }

  async forgetOld(): Promise<void> {
    await this.dataSource.query(
      `DELETE FROM login_failures WHERE updated_at < now() - interval '${FORGET_AFTER}' AND (blocked_until IS NULL OR blocked_until < now())`,
    );
  }
}
