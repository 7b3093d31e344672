import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Socket } from 'socket.io-client';
import { connectSocket, nextEvent, rpc, startServer, type TestServer } from './support/test-server.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor(condition: () => boolean, ms = 10000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(50);
  }
}

async function createUser(server: TestServer, token: string, username: string, extra: Record<string, unknown> = {}) {
  const answer = await server.http('POST', '/api/users', { token, body: { username, password: `${username}-password`, ...extra } });
  expect(answer.status).toBe(201);
  return answer.body as { id: number; username: string };
}

/** Connects and resolves with the socket and its `init` payload. */
async function connectWithInit(server: TestServer, token: string): Promise<{ socket: Socket; init: any }> {
  const { io } = await import('socket.io-client');
  const socket = io(server.url, { transports: ['websocket'], reconnection: false, forceNew: true, auth: { token } });
  const init = await new Promise<any>((resolve, reject) => {
    socket.once('init', resolve);
    socket.once('connect_error', reject);
  });
  return { socket, init };
}

describe('live sessions', () => {
  let server: TestServer;
  let admin: string;
  const sockets: Socket[] = [];
  const track = <T extends { socket: Socket } | Socket>(value: T): T => {
    sockets.push('socket' in value ? value.socket : value);
    return value;
  };

  beforeAll(async () => {
    server = await startServer({ env: { SESSION_EXPIRY_WARNING: '2' } });
    admin = (await server.login()).bearer;
  });
  afterAll(async () => {
    sockets.forEach((socket) => socket.close());
    await server.stop();
  });

  it('sends init with the user, server time and version, and usersOnline for admins only', async () => {
    const carol = await createUser(server, admin, 'carol');
    const adminSession = track(await connectWithInit(server, admin));
    expect(adminSession.init.user).toMatchObject({ username: 'admin', role: 'admin' });
    expect(adminSession.init.server.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(Math.abs(Date.parse(adminSession.init.server.time) - Date.now())).toBeLessThan(5000);
    expect(adminSession.init.seq).toEqual(expect.any(Number));
    expect(adminSession.init.usersOnline).toEqual(expect.arrayContaining([expect.objectContaining({ username: 'admin' })]));

    const carolToken = (await server.login('carol', 'carol-password')).bearer;
    const carolSession = track(await connectWithInit(server, carolToken));
    expect(carolSession.init.user).toMatchObject({ id: carol.id, username: 'carol', role: 'user', camera_ids: [] });
    expect(carolSession.init).not.toHaveProperty('usersOnline');
  });

  it('answers ping both as a request and as a plain event', async () => {
    const socket = track(await connectSocket(server.url, { auth: { token: admin } }));
    const answer = await rpc(socket, { module: 'system', command: 'read', entity: 'ping' });
    expect(answer.pong).toBe(true);
    expect(Math.abs(Date.parse(answer.time) - Date.now())).toBeLessThan(5000);
    const pong = nextEvent(socket, 'pong');
    socket.emit('ping');
    expect(Date.parse((await pong).time)).not.toBeNaN();
    const unknown = await rpc(socket, { module: 'system', command: 'read', entity: 'nothing' });
    expect(unknown.error.code).toBe('not_found');
  });

  it('tells admins when a user comes online with the first socket and goes offline with the last', async () => {
    await createUser(server, admin, 'dave');
    const watcher = track(await connectSocket(server.url, { auth: { token: admin } }));
    const seen: Array<{ event: string; payload: any }> = [];
    watcher.onAny((event: string, payload: any) => {
      if (event === 'users:online' || event === 'users:offline') seen.push({ event, payload });
    });
    const daveToken = (await server.login('dave', 'dave-password')).bearer;
    const online = nextEvent(watcher, 'users:online');
    const first = await connectSocket(server.url, { auth: { token: daveToken } });
    expect((await online).details).toMatchObject({ username: 'dave', sockets: 1 });
    const second = await connectSocket(server.url, { auth: { token: daveToken } });
    const dave = seen[0].payload.entity;
    const listed = await rpc(watcher, { module: 'system', command: 'read', entity: 'ping' });
    expect(listed.pong).toBe(true);
    first.close();
    await sleep(200);
    const offline = nextEvent(watcher, 'users:offline');
    second.close();
    expect((await offline).details).toEqual({ id: dave, username: 'dave', sockets: 0 });
    expect(seen.map((entry) => entry.event)).toEqual(['users:online', 'users:offline']);
  });

  it('delivers an admin broadcast to every authenticated socket, and refuses it from a user', async () => {
    await createUser(server, admin, 'erin');
    const erinToken = (await server.login('erin', 'erin-password')).bearer;
    const erin = track(await connectSocket(server.url, { auth: { token: erinToken } }));
    const other = track(await connectSocket(server.url, { auth: { token: admin } }));
    await expect(connectSocket(server.url)).rejects.toMatchObject({ data: { code: 'unauthorized' } });
    const received = Promise.all([nextEvent(erin, 'system:message'), nextEvent(other, 'system:message'), nextEvent(erin, 'nestmtx:*')]);
    const sent = await server.http('POST', '/api/messages', { token: admin, body: { message: 'maintenance at 22:00' } });
    expect(sent.status).toBe(201);
    const [toErin, toOther, wildcard] = await received;
    expect(toErin).toMatchObject({ message: 'maintenance at 22:00', from: 'admin' });
    expect(Date.parse(toErin.at)).not.toBeNaN();
    expect(toOther).toEqual(toErin);
    expect(wildcard).toMatchObject({ domain: 'system', event: 'message', details: { message: 'maintenance at 22:00', from: 'admin' } });
    const refused = await rpc(erin, { module: 'messages', command: 'create', payload: { message: 'hi' } });
    expect(refused.error.code).toBe('forbidden');
  });
});

describe('token lifecycle on a live socket', () => {
  let server: TestServer;
  beforeAll(async () => {
    // Tokens live 6 s and the warning comes 5 s ahead, so it arrives about a second after login.
    server = await startServer({ env: { ACCESS_TOKEN_TTL: '6', SESSION_EXPIRY_WARNING: '5' } });
    const admin = (await server.login()).bearer;
    await server.http('POST', '/api/users', { token: admin, body: { username: 'frank', password: 'frank-password' } });
  });
  afterAll(async () => {
    await server.stop();
  });

  it('warns before expiry, renews in place, keeps receiving topics, and answers with the new token', async () => {
    const tokens = await server.login();
    const socket = await connectSocket(server.url, { auth: { token: tokens.bearer } });
    const warning = await nextEvent(socket, 'session:expiring', 4000);
    expect(warning.expiresAt).toBe(tokens.expiration);

    const fresh = (await server.http('POST', '/api/auth/refresh', { body: { refresh: tokens.refresh } })).body;
    const renewed = await rpc(socket, { module: 'auth', command: 'update', payload: { token: fresh.bearer } });
    expect(renewed).toEqual({ expiration: fresh.expiration });

    await sleep(Date.parse(tokens.expiration) - Date.now() + 300); // past the first token's expiry
    expect(socket.connected).toBe(true);
    const created = nextEvent(socket, 'users:created');
    const answer = await rpc(socket, { module: 'users', command: 'create', payload: { username: 'grace', password: 'grace-password' } });
    expect(answer.username).toBe('grace');
    expect((await created).details.username).toBe('grace');
    socket.close();
  });

  it('refuses a token of another user and over REST', async () => {
    const admin = await server.login();
    const frank = await server.login('frank', 'frank-password');
    const socket = await connectSocket(server.url, { auth: { token: admin.bearer } });
    const answer = await rpc(socket, { module: 'auth', command: 'update', payload: { token: frank.bearer } });
    expect(answer.error).toMatchObject({ status: 403, code: 'forbidden', message: 'that token belongs to another user' });
    const rest = await server.http('PUT', '/api/auth/x', { token: admin.bearer, body: { token: admin.bearer } });
    expect(rest.status).toBe(400);
    expect(rest.body.error.code).toBe('validation_failed');
    socket.close();
  });

  it('disconnects at expiry after session:expired when no fresh token comes', async () => {
    const tokens = await server.login();
    const socket = await connectSocket(server.url, { auth: { token: tokens.bearer } });
    const expired = nextEvent(socket, 'session:expired', 8000);
    const disconnected = nextEvent(socket, 'disconnect', 8000);
    expect((await expired).expiresAt).toBe(tokens.expiration);
    expect(await disconnected).toBe('io server disconnect');
  });
});

describe('rate limits', () => {
  let server: TestServer;
  let admin: string;
  beforeAll(async () => {
    server = await startServer({
      env: {
        RATE_LIMIT_RPS: '20',
        RATE_LIMIT_BURST: '40',
        RATE_LIMIT_USER_RPS: '100000',
        RATE_LIMIT_USER_BURST: '100000',
        RATE_LIMIT_STRIKES: '200',
        LOGIN_RATE_PER_MINUTE: '4',
      },
    });
    admin = (await server.login()).bearer;
  });
  afterAll(async () => {
    await server.stop();
  });

  it('answers excess requests with rate_limited and retryAfterMs while another client is served', async () => {
    const flooder = await connectSocket(server.url, { auth: { token: admin } });
    const other = await connectSocket(server.url, { auth: { token: admin } });
    const flood = Array.from({ length: 150 }, (_, index) => rpc(flooder, { module: 'system', command: 'read', entity: 'ping', requestId: `f${index}` }));
    const others: Promise<any>[] = [];
    for (let index = 0; index < 20; index += 1) {
      others.push(rpc(other, { module: 'system', command: 'read', entity: 'ping', requestId: `o${index}` }));
      await sleep(25);
    }
    const floodAnswers = await Promise.all(flood);
    const limited = floodAnswers.filter((answer) => answer.error);
    expect(limited.length).toBeGreaterThan(50);
    for (const answer of limited) {
      expect(answer.error).toMatchObject({ status: 429, code: 'rate_limited' });
      expect(answer.error.details[0].retryAfterMs).toBeGreaterThan(0);
    }
    const otherAnswers = await Promise.all(others);
    expect(otherAnswers.every((answer) => answer.pong === true)).toBe(true);
    flooder.close();
    other.close();
  });

  it('limits REST the same way, per client address', async () => {
    await sleep(2100); // let this address's bucket refill after the admin's login
    const answers = await Promise.all(Array.from({ length: 60 }, () => server.http('GET', '/api/health')));
    const limited = answers.filter((answer) => answer.status === 429);
    expect(limited.length).toBeGreaterThan(0);
    expect(limited[0].body.error).toMatchObject({ status: 429, code: 'rate_limited', details: [{ retryAfterMs: expect.any(Number) }] });
    expect(answers.filter((answer) => answer.status === 200).length).toBeGreaterThanOrEqual(40);
  });

  it('disconnects a socket that keeps hammering after being told', async () => {
    const flooder = await connectSocket(server.url, { auth: { token: admin } });
    const notice = nextEvent(flooder, 'system:disconnect', 10000);
    const disconnected = nextEvent(flooder, 'disconnect', 10000);
    let told = false;
    void notice.then(() => (told = true), () => undefined);
    // In bursts: on a busy machine a token refilled between two requests restarts the strike count.
    for (let burst = 0; burst < 5 && !told && flooder.connected; burst += 1) {
      for (let index = 0; index < 400; index += 1) flooder.emit('request', { module: 'system', command: 'read', entity: 'ping', requestId: `h${burst}-${index}` });
      await sleep(500);
    }
    expect(await notice).toMatchObject({ reason: 'rate_limited' });
    expect(await disconnected).toBe('io server disconnect');
  });

  it('limits login attempts per address more strictly', async () => {
    // The admin's login in beforeAll spent the first of the four.
    const statuses: number[] = [];
    for (let index = 0; index < 5; index += 1) {
      statuses.push((await server.http('POST', '/api/auth', { body: { username: 'nobody', password: 'wrong-password' } })).status);
    }
    expect(statuses.slice(0, 3)).toEqual([401, 401, 401]);
    expect(statuses.slice(3)).toEqual([429, 429]);
  });

});

describe('slow consumers', () => {
  let server: TestServer;
  let admin: string;
  beforeAll(async () => {
    server = await startServer({ env: { SOCKET_MAX_BUFFER_BYTES: '200000' } });
    admin = (await server.login()).bearer;
  });
  afterAll(async () => {
    await server.stop();
  });

  it('drops a socket that stops reading while events keep coming, and keeps serving others', async () => {
    // A polling client that stops polling: whatever the server sends it waits in the server's queue.
    const slow = await connectSocket(server.url, { auth: { token: admin }, transports: ['polling'] });
    const healthy = await connectSocket(server.url, { auth: { token: admin } });
    await new Promise<void>((resolve) => (slow.io as any).engine.transport.pause(resolve));
    const message = 'x'.repeat(1900);
    for (let index = 0; index < 15; index += 1) {
      await Promise.all(Array.from({ length: 10 }, () => server.http('POST', '/api/messages', { token: admin, body: { message } })));
    }
    await waitFor(() => server.output.some((line) => line.includes('socket is not reading its events')));
    const answer = await rpc(healthy, { module: 'system', command: 'read', entity: 'ping' });
    expect(answer.pong).toBe(true);
    slow.close();
    healthy.close();
  });
});

describe('shutdown', () => {
  it('tells every socket before the server closes', async () => {
    const server = await startServer({ env: { SHUTDOWN_RECONNECT_AFTER_MS: '1234' } });
    const { bearer } = await server.login();
    const socket = await connectSocket(server.url, { auth: { token: bearer } });
    const notice = nextEvent(socket, 'system:shutdown');
    const code = server.stop();
    expect(await notice).toEqual({ reconnectAfterMs: 1234 });
    expect(await code).toBe(0);
    socket.close();
  });
});
