import { Injectable } from '@nestjs/common';
import { CONTROL_SESSION_PREFIX, ControlConnection } from '../jobs/control-connection.js';
import type { HookCall } from './stream-events.js';

/** A hook or a read attempt as it crosses to the instance that keeps the stream state; never the secret. */
export type RelayedHook =
  | { kind: 'hook'; event: string; call: Omit<HookCall, 'secret'> }
  | { kind: 'readAttempt'; path: string; details: { query?: string; readerType?: string; readerId?: string } };

/** How many hooks one `take` returns at most. */
export const TAKE_AT_ONCE = 100;

export interface StoredHook {
  hook: RelayedHook;
  /** Older than the time a relayed hook is kept: dropped, not applied. */
  expired: boolean;
}

/**
 * The `relayed_hooks` table: hooks waiting for the instance that runs the background work, in
 * the order the cluster received them (id order). Written and read on the control connection, so
 * one instance's hooks are stored in the order it received them (one session runs its statements
 * one after another). Each wake-up names the instance that sent it.
 */
@Injectable()
export class RelayedHooksStore {
  constructor(private readonly connection: ControlConnection) {}

  /** Stores a hook (dropping those kept longer than `keepSeconds`) and wakes the instance that takes them; false when the database cannot be reached. */
  async put(hook: RelayedHook, keepSeconds: number, channel: string): Promise<boolean> {
    const rows = await this.connection.query(
      `WITH expired AS (DELETE FROM relayed_hooks WHERE received_at < now() - make_interval(secs => $2)),
            stored AS (INSERT INTO relayed_hooks (hook) VALUES ($1) RETURNING id)
       SELECT pg_notify($3, $4) FROM stored`,
      [JSON.stringify(hook), keepSeconds, channel, this.connection.instanceId],
    );
    return rows !== undefined;
  }

  /** Tells the instance running the background work that this one is here and may pass hooks on. */
  async announce(channel: string): Promise<void> {
    await this.connection.query('SELECT pg_notify($1, $2)', [channel, this.connection.instanceId]);
  }

  /**
   * How many other instances are on this database (their control sessions); undefined when that
   * cannot be told (the database is down, or this role does not see this instance's own session).
   */
  async otherInstances(): Promise<number | undefined> {
    const rows = await this.connection.query<{ others: number; seen: boolean }>(
      `SELECT count(*) FILTER (WHERE application_name <> $2)::int AS others, coalesce(bool_or(application_name = $2), false) AS seen
         FROM pg_stat_activity
        WHERE datname = current_database() AND starts_with(application_name, $1)`,
      [CONTROL_SESSION_PREFIX, `${CONTROL_SESSION_PREFIX}${this.connection.instanceId}`],
    );
    const row = rows?.[0];
    return row?.seen ? row.others : undefined;
  }

  /**
   * Takes (deletes and returns) the oldest waiting hooks, oldest first. A hook is taken by one
   * instance once: the delete hands each row to one statement only.
   */
  async take(keepSeconds: number): Promise<StoredHook[] | undefined> {
    const rows = await this.connection.query<{ id: string; hook: RelayedHook; expired: boolean }>(
      `DELETE FROM relayed_hooks
        WHERE id IN (SELECT id FROM relayed_hooks ORDER BY id LIMIT ${TAKE_AT_ONCE} FOR UPDATE SKIP LOCKED)
        RETURNING id, hook, received_at < now() - make_interval(secs => $1) AS expired`,
      [keepSeconds],
    );
    if (!rows) return undefined;
    return rows.sort((a, b) => Number(BigInt(a.id) - BigInt(b.id))).map(({ hook, expired }) => ({ hook, expired }));
  }
}
