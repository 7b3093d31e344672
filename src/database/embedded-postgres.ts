import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import type { Logger } from 'pino';
import { StartupError } from '../common/startup-error.js';
import { DataDirLock, stopLeftOverServer } from './embedded/data-dir-lock.js';
import { PostgresSupervisor } from './embedded/postgres-supervisor.js';
import { initialiseDatabaseDir, Postmaster, preparePostgresRunner, reachableDatabaseDir } from './embedded/postgres-runner.js';
import { freePort } from './free-port.js';

export interface EmbeddedDatabase {
  url: string;
  /** Settles only if the server stopped and could not be started again. */
  failed: Promise<Error>;
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  /** Use the server a running relay keeps in this folder, instead of refusing to start (for commands run beside it). */
  shareRunning?: boolean;
}

const DATABASE_NAME = 'mtx_relay';

function readOrCreate(file: string, create: () => string): string {
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const value = create();
  writeFileSync(file, `${value}\n`, { mode: 0o600 });
  return value;
}

const urlOf = (password: string, port: number) => `postgresql://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${DATABASE_NAME}`;

async function createDatabaseIfMissing(password: string, port: number): Promise<void> {
  const client = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', password, database: 'postgres' });
  await client.connect();
  try {
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [DATABASE_NAME]);
    if (exists.rowCount === 0) await client.query(`CREATE DATABASE ${DATABASE_NAME}`);
  } finally {
    await client.end();
  }
}

/**
 * Starts the private PostgreSQL server kept under `directory` (initialising it on first use)
 * on a free loopback port, and keeps it running (postgres-supervisor.ts). Its password is
 * generated once and kept beside the data. One relay per folder: a second is refused, and a
 * server left running by a relay that is gone is stopped first.
 */
export async function startEmbeddedPostgres(directory: string, logger: Logger, options: EmbeddedOptions = {}): Promise<EmbeddedDatabase> {
  mkdirSync(directory, { recursive: true });
  const password = readOrCreate(join(directory, 'password'), () => randomBytes(24).toString('base64url'));
  const lock = new DataDirLock(directory);
  const holder = lock.liveHolder();
  if (holder && options.shareRunning) {
    logger.info({ relayPid: holder.pid }, 'using the embedded PostgreSQL of the mtx-relay running on this DATA_DIR');
    return { url: urlOf(password, holder.port), failed: new Promise(() => undefined), stop: async () => undefined };
  }
  if (holder) {
    throw new StartupError(`the embedded PostgreSQL in ${directory} is in use by another mtx-relay (process ${holder.pid}): stop that one first, or give this one its own DATA_DIR`);
  }
  const runner = await preparePostgresRunner(logger);
  const databaseDir = reachableDatabaseDir(runner.user, directory, logger);
  await stopLeftOverServer(databaseDir, logger);
  const port = await freePort();
  lock.take(port);
  const supervisor = new PostgresSupervisor((abort) => Postmaster.start(runner, databaseDir, port, abort), logger);
  try {
    if (!existsSync(join(databaseDir, 'PG_VERSION'))) await initialiseDatabaseDir(runner, databaseDir, password);
    await supervisor.start();
    await createDatabaseIfMissing(password, port);
  } catch (error) {
    await supervisor.stop();
    lock.release();
    throw error;
  }
  logger.info({ port }, 'embedded PostgreSQL started');
  return {
    url: urlOf(password, port),
    failed: supervisor.failed,
    stop: async () => {
      await supervisor.stop();
      lock.release();
    },
  };
}
