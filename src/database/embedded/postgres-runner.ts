import { chownSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Logger } from 'pino';
import { locateBinaries } from './binaries.js';
import { postgresUser } from './postgres-user.js';
import { initdb, type PostgresRunner } from './postmaster.js';
import { reachableBinaries } from './program-cache.js';

export { reachableDatabaseDir } from './data-folder.js';
export { Postmaster, type PostgresRunner } from './postmaster.js';

/**
 * How to run the embedded PostgreSQL here: as the relay's user, or as root as the user
 * `postgres` with programs it can reach. The relay and the test suite's PostgreSQL both start
 * from this.
 */
export async function preparePostgresRunner(logger: Logger): Promise<PostgresRunner> {
  const user = await postgresUser();
  const located = await locateBinaries();
  return { binaries: user ? reachableBinaries(user, located, logger) : located, user, logger };
}

/**
 * Creates the data folder. initdb reads the superuser's password from a file: a copy of
 * `password` only PostgreSQL's user may read, beside the data rather than in the shared temp
 * folder, removed at once.
 */
export async function initialiseDatabaseDir(runner: PostgresRunner, databaseDir: string, password: string): Promise<void> {
  runner.logger.info({ databaseDir }, 'initialising the embedded PostgreSQL data folder');
  mkdirSync(databaseDir, { recursive: true, mode: 0o700 });
  const passwordFile = join(dirname(databaseDir), 'initdb-password');
  rmSync(passwordFile, { force: true });
  writeFileSync(passwordFile, `${password}\n`, { mode: 0o600, flag: 'wx' });
  try {
    if (runner.user) {
      chownSync(databaseDir, runner.user.uid, runner.user.gid);
      chownSync(passwordFile, runner.user.uid, runner.user.gid);
    }
    await initdb(runner, databaseDir, passwordFile);
  } finally {
    rmSync(passwordFile, { force: true });
  }
}
