import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { Logger } from 'pino';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { LOGGER } from '../logging/logger.js';
import { RelayMetrics } from '../metrics/relay-metrics.js';
import { ControlConnection } from './control-connection.js';

/** Advisory lock keys of this application: (namespace, key). */
export const LOCK_NAMESPACE = 0x6d747872;
export const BACKGROUND_WORK_LOCK = 1;

type LeadershipListener = (leader: boolean) => void;

/**
 * Decides which instance runs background work (token refresh, event pruning, MediaMTX
 * reconciliation): the one holding a session-level advisory lock on its control connection.
 * The others retry now and then, so one takes over when the holder stops or loses its
 * connection.
 */
@Injectable()
export class Leadership implements OnModuleInit, OnApplicationShutdown {
  private leader = false;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly listeners: LeadershipListener[] = [];

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly connection: ControlConnection,
    private readonly metrics: RelayMetrics,
  ) {
    connection.onLost(() => this.set(false));
    connection.onReconnect(() => void this.tryToLead());
  }

  /** Tried once before the application starts, so a lone instance does its start-up work at once. */
  async onModuleInit(): Promise<void> {
    await this.tryToLead();
  }

  onApplicationShutdown(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    // The lock goes with the control connection, which closes on shutdown.
    this.leader = false;
  }

  isLeader(): boolean {
    return this.leader;
  }

  /**
   * Whether some instance runs the background work: this one, or another holding the lock in this
   * database. Undefined when the database cannot tell right now.
   */
  async runningSomewhere(): Promise<boolean | undefined> {
    if (this.leader) return true;
    const rows = await this.connection.query<{ held: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM pg_locks
                       WHERE locktype = 'advisory' AND granted AND classid = $1 AND objid = $2 AND objsubid = 2
                         AND database = (SELECT oid FROM pg_database WHERE datname = current_database())) AS held`,
      [LOCK_NAMESPACE, BACKGROUND_WORK_LOCK],
    );
    return rows?.[0]?.held;
  }

  /** Called with true when this instance starts running background work and false when it stops. */
  onChange(listener: LeadershipListener): void {
    this.listeners.push(listener);
  }

  private async tryToLead(): Promise<void> {
    clearTimeout(this.timer);
    if (this.stopped) return;
    if (!this.leader) {
      const rows = await this.connection.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1, $2) AS locked', [LOCK_NAMESPACE, BACKGROUND_WORK_LOCK]);
      if (rows?.[0]?.locked) this.set(true);
    }
    if (this.leader || this.stopped) return;
    this.timer = setTimeout(() => void this.tryToLead(), this.config.backgroundLockRetrySeconds * 1000);
    this.timer.unref();
  }

  private set(leader: boolean): void {
    if (this.leader === leader) return;
    this.leader = leader;
    this.metrics.backgroundWork.set(leader ? 1 : 0);
    this.logger.info(leader ? 'this instance now runs the background work' : 'this instance no longer runs the background work');
    for (const listener of this.listeners) listener(leader);
    if (!leader) void this.tryToLead();
  }
}
