import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { Postmaster, PostmasterExit } from './postmaster.js';

/** More unexpected stops than this within the window, and the relay gives up (a process manager restarts it whole). */
const MAX_RESTARTS = 3;
const RESTART_WINDOW_MS = 5 * 60_000;
/** Waits before each try of one restart: the killed server's processes take a moment to go and free its memory. */
const TRY_AFTER_MS = [250, 1000, 2000, 4000];

/**
 * Keeps the embedded PostgreSQL running: when it stops without being asked to (killed, crashed),
 * starts it again on the same port, where the connection pool finds it by itself. Committed
 * transactions survive: PostgreSQL replays its write-ahead log on start.
 */
export class PostgresSupervisor {
  private current: Postmaster | undefined;
  private restarting: Promise<void> | undefined;
  private readonly stopping = new AbortController();
  private readonly restarts: number[] = [];
  private giveUp!: (error: Error) => void;
  /** Settles only when the server stopped and could not be kept running. */
  readonly failed = new Promise<Error>((resolve) => (this.giveUp = resolve));

  constructor(
    private readonly startPostmaster: (abort: AbortSignal) => Promise<Postmaster>,
    private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    this.watch(await this.startPostmaster(this.stopping.signal));
  }

  /** Stops the server, or cuts a restart under way short; resolves once no server runs. */
  async stop(): Promise<void> {
    this.stopping.abort();
    await this.restarting;
    await this.current?.stop();
  }

  private watch(postmaster: Postmaster): void {
    this.current = postmaster;
    void postmaster.exited.then((exit) => {
      if (!this.stopping.signal.aborted) this.restarting = this.restart(exit);
    });
  }

  private async restart(exit: PostmasterExit): Promise<void> {
    const now = Date.now();
    this.restarts.push(now);
    while (this.restarts[0] <= now - RESTART_WINDOW_MS) this.restarts.shift();
    const how = exit.signal ? { signal: exit.signal } : { code: exit.code };
    if (this.restarts.length > MAX_RESTARTS) {
      this.giveUp(new Error(`the embedded PostgreSQL stopped unexpectedly ${this.restarts.length} times within ${RESTART_WINDOW_MS / 60_000} minutes`));
      return;
    }
    this.logger.error({ ...how, restart: this.restarts.length, maxRestarts: MAX_RESTARTS }, 'the embedded PostgreSQL stopped unexpectedly; restarting it');
    let lastError: Error | undefined;
    for (const waitMs of TRY_AFTER_MS) {
      try {
        await sleep(waitMs, undefined, { signal: this.stopping.signal });
        const postmaster = await this.startPostmaster(this.stopping.signal);
        if (this.stopping.signal.aborted) {
          await postmaster.stop();
          return;
        }
        this.watch(postmaster);
        this.logger.info('the embedded PostgreSQL is running again');
        return;
      } catch (error) {
        if (this.stopping.signal.aborted) return;
        lastError = error as Error;
        this.logger.warn({ error: lastError.message }, 'the embedded PostgreSQL did not start again yet');
      }
    }
    this.giveUp(new Error(`the embedded PostgreSQL stopped unexpectedly and could not be started again: ${lastError?.message ?? 'unknown error'}`));
  }
}
