import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import pg from 'pg';
import pino from 'pino';
// A .ts path: jest's global setup loads this file outside its module mapper.
import { freePort } from '../../src/database/free-port.ts';

export interface TestPostgres {
  /** URL of the `postgres` database, for creating per-test databases. */
  adminUrl: string;
  port: number;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Stops the server and deletes its data folder. */
  destroy(): Promise<void>;
}

type PostgresRunnerModule = typeof import('../../src/database/embedded/postgres-runner.js');

/**
 * The relay's own way of running its embedded PostgreSQL (as root: as the user `postgres`, with
 * its programs copied where that user can reach them), from the build: jest's global setup
 * cannot load the sources' module graph. `npm test` builds first.
 */
async function loadPostgresRunner(): Promise<PostgresRunnerModule> {
  const build = process.env.MTX_RELAY_MAIN ? dirname(process.env.MTX_RELAY_MAIN) : resolve('dist');
  const file = join(build, 'database', 'embedded', 'postgres-runner.js');
  if (!existsSync(file)) throw new Error(`the tests' PostgreSQL is started by the built relay, and ${file} is missing: run npm run build first`);
  // A path, not a file: URL: in the global setup this import is compiled to a require.
  return (await import(file)) as PostgresRunnerModule;
}

const PASSWORD = 'postgres';

/** A throw-away PostgreSQL server, run as the relay runs its embedded one. */
export async function startTestPostgres(): Promise<TestPostgres> {
  const { initialiseDatabaseDir, Postmaster, preparePostgresRunner, reachableDatabaseDir } = await loadPostgresRunner();
  const directory = mkdtempSync(join(tmpdir(), 'mtx-relay-pg-'));
  // As root, PostgreSQL runs as its own user, which must be able to enter the folder.
  chmodSync(directory, 0o755);
  const runner = await preparePostgresRunner(pino({ level: 'silent' }));
  const databaseDir = reachableDatabaseDir(runner.user, directory, runner.logger);
  await initialiseDatabaseDir(runner, databaseDir, PASSWORD);
  const port = await freePort();
  let postmaster = await Postmaster.start(runner, databaseDir, port);
  const stop = () => postmaster.stop();
  return {
    adminUrl: `postgresql://postgres:${PASSWORD}@127.0.0.1:${port}/postgres`,
    port,
    start: async () => {
      postmaster = await Postmaster.start(runner, databaseDir, port);
    },
    stop,
    destroy: async () => {
      await stop();
      rmSync(directory, { recursive: true, force: true });
      // Data the user postgres could not reach in the temp folder was made elsewhere.
      if (databaseDir !== join(directory, 'pgdata')) rmSync(dirname(databaseDir), { recursive: true, force: true });
    },
  };
}

/** Creates an empty database on the server behind `adminUrl` and returns its URL. */
export async function createDatabase(adminUrl: string, name: string): Promise<string> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE "${name}"`);
  } finally {
    await client.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}
