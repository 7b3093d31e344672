import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { record, type Recorder } from './support/events.js';
import { connectSocket, rpc, startServer, type TestServer } from './support/test-server.js';
import { errorShape, send, type Caller, type Transport, type WireRequest } from './support/wire.js';

const PASSWORD = 'a-user-password-1';
const MARKER = `secret-marker-${Date.now().toString(36)}`;
const NOT_VALID = 'the request is not valid';
const LEVEL_MESSAGE = 'must be a level number (20, 30, 40, 50, 60, 70) or name (trace, debug, info, warn, error, fatal)';
const NEEDS_SOCKET = { message: 'this command needs a socket', details: [{ path: 'command', message: 'is only available over a Socket.IO connection' }] };
const BUFFER = 500;

let server: TestServer;
let adminToken = '';
let userToken = '';
let admin2Id = 0;
/** An admin socket that streams every line from the start: what a secret must never reach. */
let watcher: Recorder;

const logsOf = (recorder: Recorder, from = 0) =>
  recorder
    .since(from)
    .filter(({ event }) => event === 'log')
    .map(({ payload }) => payload);
const messages = (entries: Array<{ msg: string; level: number }>) => entries.map(({ level, msg }) => `${level} ${msg}`);
/**
 * The lines about the test's camera requests: the relay logs other things meanwhile at debug
 * (its look at MediaMTX every 2 s, which is not running here), at any moment.
 */
const aboutCameras = (lines: string[]) => lines.filter((line) => / cameras\./.test(line));

const adminSocket = async (token = adminToken) => record(await connectSocket(server.url, { auth: { token } }));
const HOOK_REFUSED = 'refused a MediaMTX hook without the right secret';
/** Logs a warning (level 50): a MediaMTX hook without its secret. */
const warn = async () => expect((await server.http('POST', '/api/mediamtx/hooks/ready', { headers: { 'x-mtx-path': 'nowhere' } })).status).toBe(401);
/** Waits for the warning's line on a socket that streams it. */
const warned = (recorder: Recorder, from: number) => recorder.waitFor(({ event, payload }) => event === 'log' && payload.msg === HOOK_REFUSED, from);
const logs = (recorder: Recorder, command: string, payload?: unknown) => rpc(recorder.socket, { module: 'logs', command, payload });

beforeAll(async () => {
  server = await startServer({
    env: { LOG_LEVEL: 'trace', LOG_BUFFER_LINES: String(BUFFER), RATE_LIMIT_RPS: '100000', RATE_LIMIT_BURST: '100000', RATE_LIMIT_USER_RPS: '100000', RATE_LIMIT_USER_BURST: '100000' },
  });
  adminToken = (await server.login()).bearer;
  watcher = await adminSocket();
  expect(await logs(watcher, 'update', { level: 'trace' })).toEqual({ level: 20 });
  const created = await server.http('POST', '/api/users', { token: adminToken, body: { username: 'viewer', password: PASSWORD } });
  expect(created.status).toBe(201);
  userToken = (await server.login('viewer', PASSWORD)).bearer;
  const second = await server.http('POST', '/api/users', { token: adminToken, body: { username: 'admin2', password: PASSWORD, role: 'admin' } });
  admin2Id = second.body.id;
});
afterAll(async () => {
  watcher?.socket.close();
  await server?.stop();
});

describe.each<Transport>(['rest', 'socket'])('logs list over %s', (transport) => {
  const admin: Caller = { token: '' };
  const user: Caller = { token: '' };
  const call = async (caller: Caller, command: string, payload?: Record<string, unknown>) => {
    const request: WireRequest = { module: 'logs', command, payload, entity: command === 'update' ? 'live' : undefined };
    return { ...(await send(server, transport, caller, request)), request };
  };

  beforeAll(() => {
    admin.token = adminToken;
    user.token = userToken;
  });
  afterAll(() => {
    admin.socket?.close();
    user.socket?.close();
  });

  it('returns the most recent lines, oldest first, each {hostname, instance, level, msg, pid, service, time, timestamp}', async () => {
    const answer = await call(admin, 'list');
    expect(answer.body.error).toBeUndefined();
    const items: any[] = answer.body.items;
    expect(Object.keys(answer.body)).toEqual(['items']);
    expect(messages(items)).toEqual(expect.arrayContaining(['40 listening', '40 created the first admin account']));
    for (const item of items) {
      expect(item).toEqual({
        hostname: expect.any(String),
        instance: expect.any(String),
        level: expect.any(Number),
        msg: expect.any(String),
        pid: server.process.pid,
        service: expect.any(String),
        time: expect.any(Number),
        timestamp: new Date(item.time).toISOString(),
      });
      expect([20, 30, 40, 50, 60, 70]).toContain(item.level);
    }
    expect(items.map((item) => item.time)).toEqual([...items.map((item) => item.time)].sort((a, b) => a - b));
    expect(items.find((item) => item.msg === 'listening')).toEqual(expect.objectContaining({ service: 'mtx-relay', level: 40 }));
    // Requests show in the log by command and outcome, nothing more.
    expect(messages(items)).toEqual(expect.arrayContaining(['20 users.create answered 201']));
  });

  it('filters by level, given by name or number', async () => {
    const everything: Array<{ level: number; msg: string }> = (await call(admin, 'list', { limit: BUFFER })).body.items;
    expect([...new Set(everything.map((item) => item.level))]).toEqual(expect.arrayContaining([20, 30, 40]));
    const byName = { trace: 20, debug: 30, info: 40, warn: 50, error: 60, fatal: 70 } as const;
    for (const level of ['info', 40, 'debug', 30, 'warn', 'error', 70] as const) {
      const minimum = typeof level === 'number' ? level : byName[level];
      const answer = await call(admin, 'list', { level, limit: BUFFER });
      expect(answer.body.error).toBeUndefined();
      for (const item of answer.body.items) expect(item.level).toBeGreaterThanOrEqual(minimum);
      // Everything at or above the level that was there before is still there (the list only grew since).
      const expected = everything.filter((item) => item.level >= minimum).map((item) => `${item.level} ${item.msg}`);
      expect(messages(answer.body.items)).toEqual(expect.arrayContaining(expected));
      if (minimum <= 40) expect(answer.body.items.length).toBeGreaterThan(0);
    }
  });

  it('limit keeps the most recent lines', async () => {
    const before = (await call(admin, 'list', { limit: BUFFER })).body.items;
    const answer = await call(admin, 'list', { limit: 2 });
    // The first list's own line came after it.
    expect(answer.body.items).toEqual([before.at(-1), expect.objectContaining({ level: 20, msg: 'logs.list answered 200' })]);
  });

  it('refuses a level or limit it does not know', async () => {
    for (const level of ['verbose', 35, 0, '']) {
      const answer = await call(admin, 'list', { level });
      expect(answer.body).toEqual(errorShape(answer, answer.request, 400, 'validation_failed', NOT_VALID, [{ path: 'payload.level', message: LEVEL_MESSAGE }]));
    }
    const answer = await call(admin, 'list', { limit: 0 });
    expect(answer.body).toEqual(errorShape(answer, answer.request, 400, 'validation_failed', NOT_VALID, [{ path: 'payload.limit', message: 'Too small: expected number to be >=1' }]));
  });

  it('is for admins only: a user gets forbidden on list, update and delete', async () => {
    for (const command of ['list', 'update', 'delete']) {
      const answer = await call(user, command, command === 'update' ? { level: 'trace' } : undefined);
      expect(answer.body).toEqual(errorShape(answer, answer.request, 403, 'forbidden', 'this needs an admin'));
      expect(answer.status).toBe(403);
    }
  });
});

describe('the live stream', () => {
  it('streams lines from info up to an admin socket from the start, and more once it asks', async () => {
    const admin = await adminSocket();
    await rpc(admin.socket, { module: 'cameras', command: 'list' }); // trace
    await rpc(admin.socket, { module: 'cameras', command: 'read', entity: 999999 }); // debug
    await warn();
    const { payload: line } = await warned(admin, 0);
    expect(line).toEqual({
      hostname: expect.any(String),
      instance: expect.any(String),
      level: 50,
      msg: HOOK_REFUSED,
      pid: server.process.pid,
      service: 'mtx-relay',
      time: expect.any(Number),
      timestamp: new Date(line.time).toISOString(),
    });
    // The trace and debug lines came first, and did not arrive.
    expect(logsOf(admin).filter(({ level }) => level < 40)).toEqual([]);

    expect(await logs(admin, 'update', { level: 'trace' })).toEqual({ level: 20 });
    const mark = admin.mark();
    await rpc(admin.socket, { module: 'cameras', command: 'list' });
    expect(aboutCameras(messages(logsOf(admin, mark)))).toEqual(['20 cameras.list answered 200']);
    // The line came before the answer to the request it is about.
    const order = admin.since(mark).map(({ event }) => event);
    expect(order.indexOf('log')).toBeLessThan(order.findIndex((event) => event !== 'log'));
    admin.socket.close();
  });

  it('stops for a socket that deletes it, warnings included', async () => {
    const quiet = await adminSocket();
    expect(await logs(quiet, 'delete')).toEqual({ level: null });
    const [quietMark, watcherMark] = [quiet.mark(), watcher.mark()];
    await warn();
    await warned(watcher, watcherMark);
    // Anything sent to this socket before the warning reached the watcher is here after a round trip.
    await rpc(quiet.socket, { module: 'cameras', command: 'list' });
    expect(logsOf(quiet, quietMark)).toEqual([]);
    quiet.socket.close();
  });

  it('honours the level, by name or number, and stops after delete', async () => {
    const live = await adminSocket();
    const requests = async () => {
      const mark = live.mark();
      await rpc(live.socket, { module: 'cameras', command: 'list' }); // trace
      await rpc(live.socket, { module: 'cameras', command: 'read', entity: 999999 }); // debug
      return messages(logsOf(live, mark));
    };
    expect(await logs(live, 'update', { level: 'debug' })).toEqual({ level: 30 });
    expect(aboutCameras(await requests())).toEqual(['30 cameras.read refused: 404 not_found']);
    expect(await logs(live, 'update', { level: 20 })).toEqual({ level: 20 });
    expect(aboutCameras(await requests())).toEqual(['20 cameras.list answered 200', '30 cameras.read refused: 404 not_found']);
    expect(await logs(live, 'update', { level: 50 })).toEqual({ level: 50 });
    expect(await requests()).toEqual([]);
    expect(await logs(live, 'update', { level: 'trace' })).toEqual({ level: 20 });
    expect(await logs(live, 'delete')).toEqual({ level: null });
    expect(await requests()).toEqual([]);
    // Deleting again, or without a stream, is harmless.
    expect(await logs(live, 'delete')).toEqual({ level: null });
    const refused = await logs(live, 'update', { level: 'loud' });
    expect(refused.error).toEqual(expect.objectContaining({ code: 'validation_failed', details: [{ path: 'payload.level', message: LEVEL_MESSAGE }] }));
    expect(await requests()).toEqual([]);
    live.socket.close();
  });

  it('needs a socket: over REST, update and delete answer validation_failed', async () => {
    for (const [method, path, command, body] of [
      ['PUT', '/api/logs/live', 'update', { level: 'info' }],
      ['PATCH', '/api/logs/live', 'update', { level: 'info' }],
      ['DELETE', '/api/logs/live', 'delete', undefined],
      ['DELETE', '/api/logs', 'delete', undefined],
    ] as const) {
      const answer = await server.http(method, path, { token: adminToken, body });
      expect({ status: answer.status, body: answer.body }).toEqual({
        status: 400,
        body: { error: { status: 400, code: 'validation_failed', ...NEEDS_SOCKET, context: { module: 'logs', command } } },
      });
    }
  });

  it('never reaches a user, and stops for an admin who is demoted', async () => {
    const user = record(await connectSocket(server.url, { auth: { token: userToken } }));
    const watcherMark = watcher.mark();
    await warn();
    await warned(watcher, watcherMark);
    const refused = await logs(user, 'update', { level: 'trace' });
    expect(refused.error).toEqual(expect.objectContaining({ status: 403, code: 'forbidden' }));

    const admin2 = await adminSocket((await server.login('admin2', PASSWORD)).bearer);
    expect(await logs(admin2, 'update', { level: 'trace' })).toEqual({ level: 20 });
    await rpc(admin2.socket, { module: 'cameras', command: 'list' });
    expect(messages(logsOf(admin2))).toContain('20 cameras.list answered 200');

    const demoted = await server.http('PUT', `/api/users/${admin2Id}`, { token: adminToken, body: { role: 'user' } });
    expect(demoted.status).toBe(200);
    await rpc(admin2.socket, { module: 'cameras', command: 'list' });
    const mark = admin2.mark();
    await rpc(admin2.socket, { module: 'cameras', command: 'list' });
    await rpc(user.socket, { module: 'cameras', command: 'read', entity: 999999 });
    await rpc(admin2.socket, { module: 'cameras', command: 'list' });
    expect(logsOf(admin2, mark)).toEqual([]);
    expect(admin2.socket.connected).toBe(true);
    expect(logsOf(user)).toEqual([]);
    user.socket.close();
    admin2.socket.close();
  });
});

describe('secrets', () => {
  it('never reach a log line, the logs list or the server output', async () => {
    const mark = watcher.mark();
    const secret = (label: string) => `${MARKER}-${label}`;
    // Failed logins, over REST and over the socket.
    expect((await server.http('POST', '/api/auth', { body: { username: 'admin', password: secret('wrong-password') } })).status).toBe(401);
    expect((await rpc(watcher.socket, { module: 'auth', command: 'create', payload: { username: 'viewer', password: secret('wrong-password-2') } })).error.code).toBe('unauthorized');
    // Credentials with secrets, accepted and refused.
    const token = { token: adminToken };
    const basic = await server.http('POST', '/api/credentials', { ...token, body: { kind: 'basic', username: 'cam', password: secret('password') } });
    expect(basic.status).toBe(201);
    expect((await server.http('PUT', `/api/credentials/${basic.body.id}`, { ...token, body: { password: secret('password-2') } })).status).toBe(200);
    expect((await server.http('PUT', `/api/credentials/${basic.body.id}`, { ...token, body: { token: secret('foreign-token') } })).status).toBe(400);
    const oauth2 = await rpc(watcher.socket, {
      module: 'credentials',
      command: 'create',
      payload: { kind: 'oauth2', client_id: 'c', client_secret: secret('client-secret'), token_url: 'https://idp.example.test/t', refresh_token: secret('refresh') },
    });
    expect(oauth2.id).toEqual(expect.any(Number));
    expect((await server.http('POST', '/api/credentials', { ...token, body: { kind: 'token', token: secret('x'.repeat(5000)) } })).status).toBe(400);
    // A camera URL with a password in it, and user passwords.
    expect((await server.http('POST', '/api/cameras', { ...token, body: { name: 'c', mtx_path: 'c', source_url: `rtsp://u:${secret('url')}@192.0.2.1/x` } })).status).toBe(400);
    const user = await server.http('POST', '/api/users', { ...token, body: { username: 'marked', password: secret('user-password') } });
    expect(user.status).toBe(201);
    expect((await server.http('PUT', `/api/users/${user.body.id}`, { ...token, body: { password: secret('user-password-2') } })).status).toBe(200);
    await rpc(watcher.socket, { module: 'cameras', command: 'list' });

    const streamed = logsOf(watcher, mark);
    // The requests that carried secrets were logged, so a leak would have shown.
    expect(messages(streamed)).toEqual(
      expect.arrayContaining([
        '30 auth.create refused: 401 unauthorized',
        '20 credentials.create answered 201',
        '20 credentials.update answered 200',
        '30 credentials.update refused: 400 validation_failed',
        '30 credentials.create refused: 400 validation_failed',
        '30 cameras.create refused: 400 validation_failed',
        '20 users.update answered 200',
      ]),
    );
    const listed = await rpc(watcher.socket, { module: 'logs', command: 'list', payload: { limit: 10000 } });
    expect(listed.items.length).toBeGreaterThan(20);
    for (const text of [JSON.stringify(logsOf(watcher)), JSON.stringify(listed), server.output.join('\n')]) {
      expect(text).toContain('credentials.create answered 201');
      expect(text).not.toContain(MARKER);
    }
  });
});

describe('the ring buffer', () => {
  it(`keeps the most recent ${BUFFER} lines`, async () => {
    const socket = await adminSocket();
    const first = (await logs(socket, 'list', { limit: 1 })).items[0];
    expect(first.msg).not.toBe('cameras.list answered 200');
    await Promise.all(Array.from({ length: BUFFER + 20 }, () => rpc(socket.socket, { module: 'cameras', command: 'list' })));
    const answer = await logs(socket, 'list', { limit: 10000 });
    expect(answer.items).toHaveLength(BUFFER);
    expect(answer.items.at(-1).msg).toBe('cameras.list answered 200');
    expect(messages(answer.items)).not.toContain('40 listening');
    socket.socket.close();
  });
});
