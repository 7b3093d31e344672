import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { OnlineUser } from '../../contract/socket-events.js';
import { CONTROL_SESSION_PREFIX } from '../../jobs/control-connection.js';

/** Advisory lock namespace of per-user presence changes (the key is the user id). */
const PRESENCE_LOCK_NAMESPACE = 0x6d747873;

/** A user's sockets on every instance together, before and after a change. */
export interface PresenceChange {
  userId: number;
  username: string;
  before: number;
  after: number;
}

/** Open sockets per instance and user, in the database, so that every instance sees everyone's. */
@Injectable()
export class PresenceStore {
  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}

  /**
   * Sets how many sockets of the user `instance` has open. Changes of one user are taken one at
   * a time across instances (an advisory lock), so exactly one instance sees the total leave or
   * reach zero.
   */
  async set(instance: string, userId: number, username: string, sockets: number): Promise<PresenceChange> {
    return this.dataSource.transaction(async (manager) => {
      await manager.query('SELECT pg_advisory_xact_lock($1, $2)', [PRESENCE_LOCK_NAMESPACE, userId]);
      const [counts] = await manager.query<Array<{ total: number; mine: number }>>(
        'SELECT coalesce(sum(sockets), 0)::int AS total, coalesce(sum(sockets) FILTER (WHERE instance = $2), 0)::int AS mine FROM presence WHERE user_id = $1',
        [userId, instance],
      );
      if (sockets > 0) {
        await manager.query(
          `INSERT INTO presence (instance, user_id, username, sockets) VALUES ($1, $2, $3, $4)
           ON CONFLICT (instance, user_id) DO UPDATE SET sockets = EXCLUDED.sockets, username = EXCLUDED.username`,
          [instance, userId, username, sockets],
        );
      } else {
        await manager.query('DELETE FROM presence WHERE instance = $1 AND user_id = $2', [instance, userId]);
      }
      return { userId, username, before: counts.total, after: counts.total - counts.mine + sockets };
    });
  }

  /** Everyone online on any instance. */
  async online(): Promise<OnlineUser[]> {
    const rows = await this.dataSource.query<Array<{ id: number; username: string; sockets: number }>>(
      'SELECT user_id AS id, max(username) AS username, sum(sockets)::int AS sockets FROM presence GROUP BY user_id ORDER BY user_id',
    );
    return rows.map((row) => ({ id: row.id, username: row.username, sockets: row.sockets }));
  }

  /** The ids of instances that have rows but no control session any more: they stopped or died. */
  async goneInstances(): Promise<string[]> {
    const rows = await this.dataSource.query<Array<{ instance: string }>>(
      `SELECT DISTINCT instance FROM presence
        WHERE instance NOT IN (SELECT substr(application_name, $1::int + 1) FROM pg_stat_activity
                                WHERE datname = current_database() AND starts_with(application_name, $2))`,
      [CONTROL_SESSION_PREFIX.length, CONTROL_SESSION_PREFIX],
    );
    return rows.map((row) => row.instance);
  }

  /** Whether this instance's control session is visible, so that `goneInstances` can be believed. */
  async sees(instance: string): Promise<boolean> {
    const rows = await this.dataSource.query<unknown[]>(
      'SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1',
      [`${CONTROL_SESSION_PREFIX}${instance}`],
    );
    return rows.length > 0;
  }

  /** Removes what a gone instance held, one user at a time; returns each user's change. */
  async removeInstance(instance: string): Promise<PresenceChange[]> {
    const users = await this.dataSource.query<Array<{ user_id: number; username: string }>>('SELECT user_id, username FROM presence WHERE instance = $1', [instance]);
    const changes: PresenceChange[] = [];
    for (const user of users) changes.push(await this.set(instance, user.user_id, user.username, 0));
    return changes;
  }
}
