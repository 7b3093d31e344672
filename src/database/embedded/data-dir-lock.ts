import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { StartupError } from '../../common/startup-error.js';
import { commandNameOf, isRunning, startTimeOf, waitForExit } from './processes.js';

/** Who holds the embedded PostgreSQL's folder: the relay (or command) that started it, and its server's port. */
export interface LockHolder {
  pid: number;
  /** Tells the process from a later one given the same id (Linux). */
  started?: string;
  port: number;
}

const ORPHAN_STOP_MS = 60_000;

/**
 * `lock.json` beside the PostgreSQL data: written by the process that starts the server there,
 * removed when it stops it. One whose process is gone (kill -9) is stale.
 */
export class DataDirLock {
  private readonly file: string;

  constructor(directory: string) {
    this.file = join(directory, 'lock.json');
  }

  /** The process holding the folder, when it still runs. */
  liveHolder(): LockHolder | undefined {
    let holder: LockHolder;
    try {
      holder = JSON.parse(readFileSync(this.file, 'utf8')) as LockHolder;
    } catch {
      return undefined;
    }
    if (!Number.isInteger(holder.pid) || !isRunning(holder.pid)) return undefined;
    if (holder.started !== undefined && startTimeOf(holder.pid) !== holder.started) return undefined;
    return holder;
  }

  take(port: number): void {
    const holder: LockHolder = { pid: process.pid, started: startTimeOf(process.pid), port };
    writeFileSync(this.file, `${JSON.stringify(holder)}\n`, { mode: 0o644 });
  }

  release(): void {
    if (this.liveHolder()?.pid === process.pid) rmSync(this.file, { force: true });
  }
}

/**
 * Stops a PostgreSQL server still running on `databaseDir` whose relay is gone (killed with
 * SIGKILL, the server lives on), so that this start can run its own. Fast shutdown: what it
 * had committed is kept.
 */
export async function stopLeftOverServer(databaseDir: string, logger: Logger): Promise<void> {
  const pidFile = join(databaseDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number.parseInt(readFileSync(pidFile, 'utf8').split('\n')[0] ?? '', 10);
  // A stale file (the server crashed with its relay) is PostgreSQL's to clean up; so is an id
  // now used by another program, or one that cannot be told apart: never signal a stranger.
  if (!Number.isInteger(pid) || pid <= 0 || !isRunning(pid) || commandNameOf(pid) !== 'postgres') return;
  logger.warn({ postgresPid: pid, databaseDir }, 'stopping the embedded PostgreSQL left running by an mtx-relay that is gone');
  try {
    process.kill(pid, 'SIGINT');
  } catch {
    throw new StartupError(
      `the embedded PostgreSQL in ${databaseDir} is still running (process ${pid}) under another user, left by an mtx-relay that is gone: stop that process, or start mtx-relay as the user that started it`,
    );
  }
  if (!(await waitForExit(pid, ORPHAN_STOP_MS))) {
    throw new StartupError(`the embedded PostgreSQL left running in ${databaseDir} (process ${pid}) did not stop within a minute: stop that process, then start mtx-relay again`);
  }
  logger.info({ postgresPid: pid }, 'stopped the embedded PostgreSQL left running');
}
