import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import type { Socket } from 'socket.io-client';
import { createDatabase, startTestPostgres, type TestPostgres } from '../support/postgres.js';
import { ADMIN_PASSWORD, connectSocket, rpc, startServer, type TestServer } from '../support/test-server.js';
import { eventually } from '../support/wire.js';

/** The postmaster and its backends: every process of that PostgreSQL server. */
async function postgresProcesses(adminUrl: string): Promise<number[]> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  let dataDirectory: string;
  try {
    dataDirectory = (await client.query<{ data_directory: string }>('SHOW data_directory')).rows[0].data_directory;
  } finally {
    await client.end();
  }
  const postmaster = Number(readFileSync(join(dataDirectory, 'postmaster.pid'), 'utf8').split('\n')[0]);
  const children = execFileSync('pgrep', ['-P', String(postmaster)], { encoding: 'utf8' })
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map(Number);
  return [postmaster, ...children];
}

const signal = (pids: number[], name: NodeJS.Signals) => {
  for (const pid of pids) {
    try {
      process.kill(pid, name);
    } catch {
      // gone already
    }
  }
};

const expectUnavailable = (error: { status?: number; code?: string; details?: unknown[] } | undefined) => {
  expect(error).toMatchObject({ status: 503, code: 'unavailable', details: [{ retryAfterMs: expect.any(Number) }] });
};

describe('a stalled database (PostgreSQL frozen with SIGSTOP)', () => {
  let postgres: TestPostgres;
  let server: TestServer;
  let bearer: string;
  let unused: string;
  let socket: Socket;
  let frozen: number[] = [];

  beforeAll(async () => {
    postgres = await startTestPostgres();
    const databaseUrl = await createDatabase(postgres.adminUrl, 'stall');
    // A query timeout far beyond this suite's: the answers below come from noticing the stall, not
    // from waiting it out. Opening a connection may take 2 s.
    server = await startServer({ databaseUrl, env: { DATABASE_QUERY_TIMEOUT: '10m', DATABASE_CONNECT_TIMEOUT: '2s' } });
    bearer = (await server.login()).bearer;
    unused = (await server.login()).bearer;
    socket = await connectSocket(server.url, { auth: { token: bearer } });
    expect((await server.http('GET', '/api/users', { token: bearer })).status).toBe(200);
  }, 60000);

  afterAll(async () => {
    signal(frozen, 'SIGCONT');
    socket?.close();
    await server?.stop();
    await postgres?.destroy();
  });

  it('answers 503 unavailable with retryAfterMs on both transports while frozen, and recovers after', async () => {
    frozen = await postgresProcesses(postgres.adminUrl);
    expect(frozen.length).toBeGreaterThan(1);
    signal(frozen, 'SIGSTOP');

    // In parallel: pooled connections that hang, and new ones that cannot be opened.
    const [list, read, overSocket, login, created, handshake] = await Promise.all([
      server.http('GET', '/api/users', { token: bearer }),
      server.http('GET', '/api/users/1', { token: unused }),
      rpc(socket, { module: 'users', command: 'list', requestId: 'stalled-1' }),
      server.http('POST', '/api/auth', { body: { username: 'admin', password: ADMIN_PASSWORD } }),
      server.http('POST', '/api/users', { token: bearer, body: { username: 'during-stall', password: 'a-user-password-1' } }),
      connectSocket(server.url, { auth: { token: unused } }).then(
        (other) => {
          other.close();
          return undefined;
        },
        (error: Error & { data?: { status?: number; code?: string; details?: unknown[] } }) => error.data,
      ),
    ]);
    for (const answer of [list, read, login, created]) {
      expect(answer.status).toBe(503);
      expectUnavailable(answer.body.error);
    }
    expectUnavailable(overSocket.error);
    expect(overSocket.error.context).toEqual({ module: 'users', command: 'list', requestId: 'stalled-1' });
    expectUnavailable(handshake);

    // Still so once every pooled connection is taken by a query that hangs.
    const again = await Promise.all(Array.from({ length: 25 }, () => server.http('GET', '/api/users', { token: bearer })));
    expect(again.map((answer) => answer.status)).toEqual(again.map(() => 503));
    expect(server.process.exitCode).toBeNull();

    signal(frozen, 'SIGCONT');
    frozen = [];
    await eventually(async () => (await server.http('GET', '/api/users', { token: bearer })).status === 200, 20000, 250);
    await eventually(async () => (await rpc(socket, { module: 'users', command: 'list' })).total !== undefined, 20000, 250);
    expect((await server.http('POST', '/api/auth', { body: { username: 'admin', password: ADMIN_PASSWORD } })).status).toBe(200);
    const late = await connectSocket(server.url, { auth: { token: unused } });
    expect((await rpc(late, { module: 'users', command: 'read', entity: 1 })).username).toBe('admin');
    late.close();
  }, 90000);

  it('logged the failed requests as warnings, not errors', () => {
    const lines = server.output.filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as { level: number; msg: string; command?: string });
    const requests = lines.filter((line) => line.command !== undefined && /request failed/.test(line.msg));
    expect(requests.length).toBeGreaterThan(0);
    // pino's level numbers on standard output: 40 warn, 50 error.
    expect(requests.filter((line) => line.level !== 40)).toEqual([]);
    expect(requests.every((line) => /database/.test(line.msg))).toBe(true);
    expect(lines.some((line) => line.level === 40 && /the database does not answer/.test(line.msg))).toBe(true);
  });
});
