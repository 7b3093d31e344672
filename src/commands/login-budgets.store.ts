import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

/** The per-address login token buckets, shared by every instance on the database. */
@Injectable()
export class LoginBudgetsStore {
  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}

  /**
   * Takes one token from `address`'s bucket (refilled at `perSecond` up to `burst`): 0 when it
   * had one, otherwise how many milliseconds until it will. One statement, so that instances
   * charging the same address at once each take their own token.
   */
  async take(address: string, limits: { perSecond: number; burst: number }): Promise<number> {
    const refilled = `least($2::float8, b.tokens + extract(epoch FROM clock_timestamp() - b.updated_at) * $3::float8)`;
    const rows = await this.dataSource.query<Array<{ refused: boolean; tokens: number }>>(
      `INSERT INTO login_budgets AS b (address, tokens, refused, updated_at) VALUES ($1, $2::float8 - 1, false, clock_timestamp())
       ON CONFLICT (address) DO UPDATE SET
         refused = ${refilled} < 1,
         tokens = CASE WHEN ${refilled} >= 1 THEN ${refilled} - 1 ELSE ${refilled} END,
         updated_at = clock_timestamp()
       RETURNING refused, tokens`,
      [address, limits.burst, limits.perSecond],
    );
    const row = rows[0];
    return row.refused ? Math.ceil(((1 - row.tokens) / limits.perSecond) * 1000) : 0;
  }

  /** Drops the buckets that are full again: a full bucket is the same as none. */
  async forgetFull(limits: { perSecond: number; burst: number }): Promise<void> {
    await this.dataSource.query(
      `DELETE FROM login_budgets WHERE tokens + extract(epoch FROM clock_timestamp() - updated_at) * $2::float8 >= $1::float8`,
      [limits.burst, limits.perSecond],
    );
  }
}
