import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import type { Socket } from 'socket.io-client';
import { startDyingPostgresProxy, type DyingPostgresProxy } from './support/dying-postgres-proxy.js';
import { createDatabase, startTestPostgres, type TestPostgres } from './support/postgres.js';
import { ADMIN_PASSWORD, connectSocket, rpc, startServer, type TestServer } from './support/test-server.js';
import { eventually } from './support/wire.js';

const unavailable = (command: string, requestId?: string) => ({
  error: {
    status: 503,
    code: 'unavailable',
    message: 'the database is unavailable, try again shortly',
    details: [{ retryAfterMs: 5000 }],
    context: { module: 'users', command, ...(requestId ? { requestId } : {}) },
  },
});

describe('database outage', () => {
  let postgres: TestPostgres;
  let server: TestServer;
  let tokens: { bearer: string; refresh: string };
  let socket: Socket;
  /** A session the server has not seen used yet, so checking it needs the database. */
  let unused: string;

  beforeAll(async () => {
    postgres = await startTestPostgres();
    const databaseUrl = await createDatabase(postgres.adminUrl, 'outage');
    server = await startServer({ databaseUrl });
    tokens = await server.login();
    unused = (await server.login()).bearer;
    socket = await connectSocket(server.url, { auth: { token: tokens.bearer } });
  }, 60000);
  afterAll(async () => {
    socket?.close();
    await server?.stop();
    await postgres?.destroy();
  });

  it('works before the outage', async () => {
    expect((await server.http('GET', '/api/users', { token: tokens.bearer })).status).toBe(200);
    expect((await rpc(socket, { module: 'users', command: 'list' })).total).toBe(1);
  });

  it('answers 503 unavailable on both transports while the database is down, without exiting', async () => {
    await postgres.stop();

    const rest = await server.http('GET', '/api/users', { token: tokens.bearer });
    expect(rest.status).toBe(503);
    expect(rest.body).toEqual(unavailable('list'));
    const overSocket = await rpc(socket, { module: 'users', command: 'list', requestId: 'down-1' });
    expect(overSocket).toEqual(unavailable('list', 'down-1'));
    const read = await server.http('GET', '/api/users/1', { token: tokens.bearer });
    expect(read.status).toBe(503);
    expect(read.body).toEqual(unavailable('read'));

    // So does a session the server has not checked yet, on REST and on a socket's handshake.
    const fresh = await server.http('GET', '/api/users/1', { token: unused });
    expect(fresh.status).toBe(503);
    expect(fresh.body).toEqual(unavailable('read'));
    const refused = await connectSocket(server.url, { auth: { token: unused } }).then(
      (other) => {
        other.close();
        return undefined;
      },
      (error: unknown) => error as Error & { data?: { code?: string } },
    );
    expect(refused?.data).toMatchObject({ status: 503, code: 'unavailable' });

    // A login needs the database too.
    const login = await server.http('POST', '/api/auth', { body: { username: 'admin', password: ADMIN_PASSWORD } });
    expect(login.status).toBe(503);
    expect(login.body.error).toMatchObject({ status: 503, code: 'unavailable', context: { module: 'auth', command: 'create' } });
    const refresh = await server.http('POST', '/api/auth/refresh', { body: { refresh: tokens.refresh } });
    expect(refresh.status).toBe(503);
    expect(refresh.body.error.code).toBe('unavailable');

    // Still answers the same way a while later, and the process is still there.
    const again = await server.http('GET', '/api/users', { token: tokens.bearer });
    expect(again.status).toBe(503);
    expect(server.process.exitCode).toBeNull();
    expect(socket.connected).toBe(true);
    for (const body of [rest.text, JSON.stringify(overSocket), login.text]) expect(body).not.toMatch(/ECONNREFUSED|SELECT|127\.0\.0\.1|\bat /);
  }, 30000);

  it('recovers by itself once the database is back', async () => {
    await postgres.start();
    await eventually(async () => (await server.http('GET', '/api/users', { token: tokens.bearer })).status === 200, 15000, 250);
    await eventually(async () => (await rpc(socket, { module: 'users', command: 'list' })).total === 1, 15000, 250);
    expect((await server.http('GET', '/api/users/1', { token: tokens.bearer })).status).toBe(200);
    expect((await server.http('GET', '/api/users/1', { token: unused })).status).toBe(200);
    const late = await connectSocket(server.url, { auth: { token: unused } });
    expect((await rpc(late, { module: 'users', command: 'read', entity: 1 })).username).toBe('admin');
    late.close();
    const login = await server.http('POST', '/api/auth', { body: { username: 'admin', password: ADMIN_PASSWORD } });
    expect(login.status).toBe(200);
    const refresh = await server.http('POST', '/api/auth/refresh', { body: { refresh: tokens.refresh } });
    expect(refresh.status).toBe(200);
    const created = await server.http('POST', '/api/users', { token: tokens.bearer, body: { username: 'after-outage', password: 'a-user-password-1' } });
    expect(created.status).toBe(201);
    expect(server.process.exitCode).toBeNull();
  }, 30000);

  it('a connection killed in the middle of a query answers unavailable and logs no secret', async () => {
    const created = await server.http('POST', '/api/users', { token: tokens.bearer, body: { username: 'victim', password: 'a-user-password-1' } });
    expect(created.status).toBe(201);
    const blocker = new pg.Client({ connectionString: server.databaseUrl });
    // A second client watches: inside a transaction, pg_stat_activity does not change.
    const observer = new pg.Client({ connectionString: server.databaseUrl });
    await Promise.all([blocker.connect(), observer.connect()]);
    try {
      // Hold the row, so the server's UPDATE (carrying the new password's hash) waits in the database ...
      await blocker.query('BEGIN');
      await blocker.query('SELECT id FROM users WHERE id = $1 FOR UPDATE', [created.body.id]);
      const change = server.http('PUT', `/api/users/${created.body.id}`, { token: tokens.bearer, body: { password: 'the-new-secret-password' } });
      await eventually(async () => (await observer.query("SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE 'UPDATE%'")).rowCount === 1, 10000, 50);
      // ... and end it there, as a database restart would.
      await observer.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE 'UPDATE%'");
      const answer = await change;
      expect(answer.status).toBe(503);
      expect(answer.body).toEqual(unavailable('update'));
      expect(answer.text).not.toMatch(/UPDATE|argon2/);
    } finally {
      await blocker.query('ROLLBACK').catch(() => undefined);
      await Promise.all([blocker.end(), observer.end()]);
    }
    const output = server.output.join('\n');
    expect(output).toContain('"command":"update"');
    expect(output).not.toContain('the-new-secret-password');
    expect(output).not.toContain('$argon2');
    // The old password still works: nothing was changed.
    expect((await server.http('POST', '/api/auth', { body: { username: 'victim', password: 'a-user-password-1' } })).status).toBe(200);
  });

  it('never wrote the admin password or a token to its output', () => {
    const output = server.output.join('\n');
    expect(server.output.length).toBeGreaterThan(0);
    expect(output).not.toContain(ADMIN_PASSWORD);
    expect(output).not.toContain(tokens.bearer);
    expect(output).not.toContain(tokens.refresh);
    expect(output).not.toMatch(/eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+/);
  });
});

describe('PostgreSQL dying just as it accepts a connection the pool is opening', () => {
  let proxy: DyingPostgresProxy;
  let server: TestServer;
  afterAll(async () => {
    await server?.stop();
    await proxy?.close();
  });

  it('answers unavailable without exiting, and recovers once the server is back', async () => {
    proxy = await startDyingPostgresProxy(await createDatabase(process.env.TEST_POSTGRES_ADMIN_URL!, `test_${randomBytes(6).toString('hex')}`));
    server = await startServer({ databaseUrl: proxy.url });
    const { bearer } = await server.login();
    proxy.die();
    // The pooled connections are gone: requests open new ones, each told of the death as it becomes ready.
    for (let attempt = 1; attempt <= 5; attempt += 1) {
      const answer = await server.http('GET', '/api/users', { token: bearer });
      expect(answer.status).toBe(503);
      expect(answer.body.error).toMatchObject({ status: 503, code: 'unavailable' });
    }
    proxy.heal();
    await eventually(async () => (await server.http('GET', '/api/users', { token: bearer })).status === 200, 15000, 250);
    expect(server.process.exitCode).toBeNull();
    expect(server.output.join('\n')).not.toContain("Unhandled 'error' event");
  }, 60000);
});
