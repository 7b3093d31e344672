import { chmodSync, lstatSync, mkdirSync, mkdtempSync, readlinkSync, symlinkSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Logger } from 'pino';
import { StartupError } from '../../common/startup-error.js';
import { firstClosedStep, type PostgresUser } from './postgres-user.js';
import { assertRootOnly } from './program-cache.js';

/** Where root keeps PostgreSQL data that the user `postgres` could not reach under DATA_DIR. */
export const DATA_HOME = '/var/lib/mtx-relay';

function closedToData(user: PostgresUser, folder: string, closed: string): StartupError {
  return new StartupError(
    `running as root, the embedded PostgreSQL runs as the user "postgres", which cannot reach its data in ${folder} because ${closed} is closed to it: set DATA_DIR to a folder outside private folders (such as /var/lib/mtx-relay), run mtx-relay as an ordinary user, or set DATABASE_URL to a PostgreSQL server`,
  );
}

/**
 * The folder PostgreSQL keeps its data in, `directory/pgdata`, as a path its user can reach.
 * As root with `directory` closed to `postgres` (DATA_DIR in root's home), the data is made in a
 * folder of its own under DATA_HOME, linked from `directory/pgdata`: the link says where it is,
 * and later starts follow it.
 */
export function reachableDatabaseDir(user: PostgresUser | undefined, directory: string, logger: Logger): string {
  const databaseDir = join(directory, 'pgdata');
  if (!user) return databaseDir;
  const existing = lstatSync(databaseDir, { throwIfNoEntry: false });
  if (existing?.isSymbolicLink()) {
    // Not realpath: the target is missing when a start failed before initdb made it.
    const target = resolve(directory, readlinkSync(databaseDir));
    const closed = firstClosedStep(user, dirname(target));
    if (closed !== undefined) throw closedToData(user, target, closed);
    return target;
  }
  const closed = firstClosedStep(user, directory);
  if (closed === undefined) return databaseDir;
  // Data made there by an ordinary user's run stays where it is: moving it is the operator's call.
  if (existing) throw closedToData(user, directory, closed);
  mkdirSync(DATA_HOME, { recursive: true, mode: 0o755 });
  assertRootOnly(DATA_HOME);
  const home = mkdtempSync(join(DATA_HOME, 'data-'));
  chmodSync(home, 0o755);
  const target = join(home, 'pgdata');
  const closedToTarget = firstClosedStep(user, home);
  if (closedToTarget !== undefined) throw closedToData(user, directory, closed);
  symlinkSync(target, databaseDir);
  logger.warn({ databaseDir, target }, `the user postgres cannot reach ${directory}: the embedded PostgreSQL keeps its data in ${target} instead (linked from ${databaseDir})`);
  return target;
}
