import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Socket } from 'socket.io-client';
import { ADMIN_PASSWORD, connectSocket, nextEvent, rpc, startServer, type TestServer } from './support/test-server.js';
import { sleep } from './support/wire.js';

const UI_ORIGIN = 'https://ui.example.com';
const PASSWORD = 'a-user-password-1';

type ConnectError = Error & { data?: { status: number; code: string; message: string } };

const connectError = (url: string, options: Parameters<typeof connectSocket>[1]): Promise<ConnectError> =>
  connectSocket(url, options).then(
    (socket) => {
      socket.close();
      throw new Error('the connection was accepted');
    },
    (error: unknown) => error as ConnectError,
  );

const authError = (command: string, status: number, code: string, message: string, details: unknown[] = []) => ({
  error: { status, code, message, details, context: { module: 'auth', command } },
});

const revoked = (module: string, command: string) => ({
  error: { status: 401, code: 'unauthorized', message: 'the access token has been revoked', details: [], context: { module, command } },
});

/** Resolves with what a live socket saw when the server ended it: the `session:revoked` payload and the disconnect reason. */
function watchRevocation(socket: Socket, ms = 5000): Promise<{ revoked: unknown; reason: string }> {
  const revokedEvent = nextEvent(socket, 'session:revoked', ms);
  const disconnect = nextEvent<string>(socket, 'disconnect', ms);
  return Promise.all([revokedEvent, disconnect]).then(([payload, reason]) => ({ revoked: payload, reason }));
}

describe('authentication', () => {
  let server: TestServer;
  let expiring: TestServer;
  let admin: string;
  const sockets: Socket[] = [];
  const open = async (token: string): Promise<Socket> => {
    const socket = await connectSocket(server.url, { auth: { token } });
    sockets.push(socket);
    return socket;
  };
  const createUser = async (username: string, extra: Record<string, unknown> = {}): Promise<number> => {
    const answer = await server.http('POST', '/api/users', { token: admin, body: { username, password: PASSWORD, ...extra } });
    expect(answer.status).toBe(201);
    return answer.body.id as number;
  };

  beforeAll(async () => {
    [server, expiring] = await Promise.all([
      startServer({ env: { LOGIN_FREE_ATTEMPTS: '2', LOGIN_MAX_BACKOFF: '2', CORS_ORIGINS: UI_ORIGIN } }),
      startServer({ env: { ACCESS_TOKEN_TTL: '4' } }),
    ]);
    admin = (await server.login()).bearer;
  });
  afterAll(async () => {
    sockets.forEach((socket) => socket.close());
    await Promise.all([server?.stop(), expiring?.stop()]);
  });

  describe('login', () => {
    it('logs in over REST and the bearer token works', async () => {
      const answer = await server.http('POST', '/api/auth', { body: { username: 'admin', password: ADMIN_PASSWORD } });
      expect(answer.status).toBe(200);
      expect(answer.body).toEqual({
        bearer: expect.any(String),
        expiration: expect.any(String),
        refresh: expect.any(String),
        user: expect.objectContaining({ id: 1, username: 'admin', role: 'admin', can_login: true, created_at: expect.any(String), updated_at: expect.any(String) }),
      });
      expect(Object.keys(answer.body.user)).not.toContain('password');
      const expiresIn = Date.parse(answer.body.expiration) - Date.now();
      expect(expiresIn).toBeGreaterThan(14 * 60 * 1000);
      expect(expiresIn).toBeLessThanOrEqual(15 * 60 * 1000);
      expect(answer.body.bearer.split('.')).toHaveLength(3);
      const me = await server.http('GET', '/api/users/1', { token: answer.body.bearer });
      expect(me.status).toBe(200);
      expect(me.body.username).toBe('admin');
    });

    it('matches the user name case-insensitively', async () => {
      const answer = await server.http('POST', '/api/auth', { body: { username: 'ADMIN', password: ADMIN_PASSWORD } });
      expect(answer.status).toBe(200);
      expect(answer.body.user.username).toBe('admin');
    });

    it('logs in over the socket with module auth, command create, without changing who the socket is', async () => {
      const dave = await createUser('dave');
      const socket = await open(admin);
      const answer = await rpc(socket, { module: 'auth', command: 'create', payload: { username: 'dave', password: PASSWORD } });
      expect(answer).toEqual({
        bearer: expect.any(String),
        expiration: expect.any(String),
        refresh: expect.any(String),
        user: expect.objectContaining({ id: dave, username: 'dave', role: 'user' }),
      });
      // The tokens are dave's ...
      const asDave = await server.http('GET', `/api/users/${dave}`, { token: answer.bearer });
      expect(asDave.status).toBe(200);
      expect((await server.http('GET', '/api/users', { token: answer.bearer })).status).toBe(403);
      // ... and the socket is still the admin's.
      const list = await rpc(socket, { module: 'users', command: 'list' });
      expect(list.total).toBeGreaterThanOrEqual(2);
    });

    it('gives a wrong password and an unknown user the same 401 answer, on both transports', async () => {
      await createUser('erin');
      const wrongPassword = await server.http('POST', '/api/auth', { body: { username: 'erin', password: 'not-her-password' } });
      const unknownUser = await server.http('POST', '/api/auth', { body: { username: 'nobody-here', password: 'whatever-password' } });
      expect(wrongPassword.status).toBe(401);
      expect(unknownUser.status).toBe(401);
      expect(wrongPassword.body).toEqual(authError('create', 401, 'unauthorized', 'invalid username or password'));
      expect(unknownUser.text).toBe(wrongPassword.text);

      const socket = await open(admin);
      const overSocket = await rpc(socket, { module: 'auth', command: 'create', payload: { username: 'nobody-else', password: 'x' }, requestId: 'login-1' });
      expect(overSocket).toEqual({
        error: { ...authError('create', 401, 'unauthorized', 'invalid username or password').error, context: { module: 'auth', command: 'create', requestId: 'login-1' } },
      });
    });

    it('refuses a login without a password with validation_failed', async () => {
      const answer = await server.http('POST', '/api/auth', { body: { username: 'admin' } });
      expect(answer.status).toBe(400);
      expect(answer.body.error).toMatchObject({ status: 400, code: 'validation_failed', details: [{ path: 'payload.password', message: expect.any(String) }] });
    });

    it('slows down repeated failures per account with 429 rate_limited, then lets the right password in again', async () => {
      await createUser('frank');
      const attempt = (username: string, password: string) => server.http('POST', '/api/auth', { body: { username, password } });
      // LOGIN_FREE_ATTEMPTS=2: two failures are free, the third attempt must wait a second.
      for (let i = 0; i < 2; i += 1) expect((await attempt('frank', `wrong-${i}`)).status).toBe(401);
      const blocked = await attempt('frank', PASSWORD);
      expect(blocked.status).toBe(429);
      expect(blocked.body).toEqual(authError('create', 429, 'rate_limited', expect.stringMatching(/^too many failed logins/) as unknown as string, [{ retryAfterMs: expect.any(Number) }]));
      const { retryAfterMs } = blocked.body.error.details[0];
      expect(retryAfterMs).toBeGreaterThan(0);
      expect(retryAfterMs).toBeLessThanOrEqual(1000);
      // The same account under another spelling is the same account.
      expect((await attempt('FRANK', PASSWORD)).status).toBe(429);
      // Other accounts are not affected.
      expect((await attempt('admin', ADMIN_PASSWORD)).status).toBe(200);
      // An unknown name is slowed down the same way.
      for (let i = 0; i < 2; i += 1) expect((await attempt('ghost', `wrong-${i}`)).status).toBe(401);
      expect((await attempt('ghost', 'wrong')).status).toBe(429);

      await sleep(retryAfterMs + 50);
      expect((await attempt('frank', PASSWORD)).status).toBe(200);
      // A success clears the count: the next failure is free again.
      expect((await attempt('frank', 'wrong-again')).status).toBe(401);
      expect((await attempt('frank', PASSWORD)).status).toBe(200);
    });
  });

  describe('refresh tokens', () => {
    it('rotates: each refresh gives new tokens that work', async () => {
      const first = await server.login();
      const second = await server.http('POST', '/api/auth/refresh', { body: { refresh: first.refresh } });
      expect(second.status).toBe(200);
      expect(second.body).toEqual({ bearer: expect.any(String), expiration: expect.any(String), refresh: expect.any(String), user: expect.objectContaining({ username: 'admin' }) });
      expect(second.body.refresh).not.toBe(first.refresh);
      expect((await server.http('GET', '/api/users', { token: second.body.bearer })).status).toBe(200);
      const third = await server.http('POST', '/api/auth/refresh', { body: { refresh: second.body.refresh } });
      expect(third.status).toBe(200);
      expect(third.body.refresh).not.toBe(second.body.refresh);
    });

    it('refuses an unknown refresh token', async () => {
      const answer = await server.http('POST', '/api/auth/refresh', { body: { refresh: 'not-a-refresh-token' } });
      expect(answer.status).toBe(401);
      expect(answer.body).toEqual(authError('refresh', 401, 'unauthorized', 'the refresh token is not valid'));
    });

    it('on reuse of a used refresh token answers 401 and revokes the whole family, on REST and on live sockets', async () => {
      const first = await server.login();
      const rotated = await server.http('POST', '/api/auth/refresh', { body: { refresh: first.refresh } });
      expect(rotated.status).toBe(200);
      const other = await server.login(); // another session of the same user
      const socket = await open(rotated.body.bearer);
      const ended = watchRevocation(socket);

      const reuse = await server.http('POST', '/api/auth/refresh', { body: { refresh: first.refresh } });
      expect(reuse.status).toBe(401);
      expect(reuse.body).toEqual(authError('refresh', 401, 'unauthorized', 'the refresh token was already used; the session has been ended'));

      expect(await ended).toEqual({ revoked: { reason: 'refresh token reused' }, reason: 'io server disconnect' });
      const newer = await server.http('POST', '/api/auth/refresh', { body: { refresh: rotated.body.refresh } });
      expect(newer.status).toBe(401);
      expect(newer.body).toEqual(authError('refresh', 401, 'unauthorized', 'the session has ended; log in again'));
      for (const token of [first.bearer, rotated.body.bearer]) {
        const answer = await server.http('GET', '/api/users', { token });
        expect(answer.status).toBe(401);
        expect(answer.body).toEqual(revoked('users', 'list'));
      }
      // The other session of the same user goes on.
      expect((await server.http('GET', '/api/users', { token: other.bearer })).status).toBe(200);
      const refused = await connectError(server.url, { auth: { token: rotated.body.bearer } });
      expect(refused.data?.code).toBe('unauthorized');
    });
  });

  describe('logout', () => {
    it('DELETE /api/auth ends the session on REST and disconnects its live socket, and only that session', async () => {
      const session = await server.login();
      const other = await server.login();
      const socket = await open(session.bearer);
      const otherSocket = await open(other.bearer);
      const ended = watchRevocation(socket);

      const answer = await server.http('DELETE', '/api/auth', { token: session.bearer });
      expect(answer.status).toBe(200);
      expect(answer.body).toEqual({ loggedOut: true });

      expect(await ended).toEqual({ revoked: { reason: 'logged out' }, reason: 'io server disconnect' });
      const after = await server.http('GET', '/api/users/1', { token: session.bearer });
      expect(after.status).toBe(401);
      expect(after.body).toEqual(revoked('users', 'read'));
      const refresh = await server.http('POST', '/api/auth/refresh', { body: { refresh: session.refresh } });
      expect(refresh.status).toBe(401);
      expect((await server.http('DELETE', '/api/auth', { token: session.bearer })).status).toBe(401);

      expect(otherSocket.connected).toBe(true);
      expect((await rpc(otherSocket, { module: 'users', command: 'read', entity: 1 })).username).toBe('admin');
      expect((await server.http('GET', '/api/users/1', { token: other.bearer })).status).toBe(200);
    });

    it('logging out over the socket (module auth, command delete) ends that socket', async () => {
      const session = await server.login();
      const socket = await open(session.bearer);
      const ended = watchRevocation(socket);
      const answer = await new Promise((resolve) => socket.emit('request', { module: 'auth', command: 'delete', requestId: 'bye' }, resolve));
      expect(answer).toEqual({ loggedOut: true });
      expect((await ended).reason).toBe('io server disconnect');
      expect((await server.http('GET', '/api/users/1', { token: session.bearer })).status).toBe(401);
    });

    it('refuses a logout without a token', async () => {
      const answer = await server.http('DELETE', '/api/auth');
      expect(answer.status).toBe(401);
      expect(answer.body).toEqual(authError('delete', 401, 'unauthorized', 'authentication required'));
    });
  });

  describe('token-version revocation', () => {
    const changes: Array<[string, (id: number) => Promise<{ status: number }>, string]> = [
      ['a password change', (id) => server.http('PUT', `/api/users/${id}`, { token: admin, body: { password: 'a-brand-new-password' } }), 'password changed'],
      ['can_login=false', (id) => server.http('PATCH', `/api/users/${id}`, { token: admin, body: { can_login: false } }), 'login disabled'],
      ['deletion', (id) => server.http('DELETE', `/api/users/${id}`, { token: admin }), 'user deleted'],
    ];

    it.each(changes)('%s refuses the user’s tokens on REST and disconnects their live sockets', async (_name, change, reason) => {
      const username = `victim-${reason.replace(/\W/g, '')}`;
      const id = await createUser(username);
      const one = await server.login(username, PASSWORD);
      const two = await server.login(username, PASSWORD);
      const live = [await open(one.bearer), await open(two.bearer), await open(two.bearer)];
      const bystander = await open(admin);
      const endings = live.map((socket) => watchRevocation(socket));

      expect((await change(id)).status).toBe(200);

      for (const ended of await Promise.all(endings)) expect(ended).toEqual({ revoked: { reason }, reason: 'io server disconnect' });
      for (const token of [one.bearer, two.bearer]) {
        const answer = await server.http('GET', `/api/users/${id}`, { token });
        expect(answer.status).toBe(401);
        expect(answer.body).toEqual(revoked('users', 'read'));
      }
      expect((await server.http('POST', '/api/auth/refresh', { body: { refresh: one.refresh } })).status).toBe(401);
      expect((await connectError(server.url, { auth: { token: one.bearer } })).data?.code).toBe('unauthorized');
      expect(bystander.connected).toBe(true);
      expect((await rpc(bystander, { module: 'users', command: 'read', entity: 1 })).username).toBe('admin');
    });

    it('after a password change the new password logs in and the old one does not', async () => {
      const id = await createUser('grace');
      const change = await server.http('PUT', `/api/users/${id}`, { token: admin, body: { password: 'grace-new-password' } });
      expect(change.status).toBe(200);
      expect((await server.http('POST', '/api/auth', { body: { username: 'grace', password: PASSWORD } })).status).toBe(401);
      expect((await server.http('POST', '/api/auth', { body: { username: 'grace', password: 'grace-new-password' } })).status).toBe(200);
    });

    it('a disabled user cannot log in (answered as a wrong password); enabling them again lets them', async () => {
      const id = await createUser('heidi', { can_login: false });
      const refused = await server.http('POST', '/api/auth', { body: { username: 'heidi', password: PASSWORD } });
      expect(refused.status).toBe(401);
      expect(refused.body).toEqual(authError('create', 401, 'unauthorized', 'invalid username or password'));
      expect((await server.http('PUT', `/api/users/${id}`, { token: admin, body: { can_login: true } })).status).toBe(200);
      expect((await server.http('POST', '/api/auth', { body: { username: 'heidi', password: PASSWORD } })).status).toBe(200);
    });
  });

  describe('expired access tokens', () => {
    it('answer token_expired on REST and on connect; a live socket stops serving', async () => {
      const tokens = await expiring.login();
      const socket = await connectSocket(expiring.url, { auth: { token: tokens.bearer } });
      sockets.push(socket);
      const disconnected = new Promise((resolve) => socket.once('disconnect', resolve));
      expect((await rpc(socket, { module: 'users', command: 'read', entity: 1 })).username).toBe('admin');
      await sleep(Math.max(0, Date.parse(tokens.expiration) - Date.now()) + 100);

      const answer = await expiring.http('GET', '/api/users', { token: tokens.bearer });
      expect(answer.status).toBe(401);
      expect(answer.body).toEqual({
        error: { status: 401, code: 'token_expired', message: 'the access token has expired', details: [], context: { module: 'users', command: 'list' } },
      });
      // The socket is either ended at expiry or refuses every request with token_expired.
      if (socket.connected) {
        const overSocket = await Promise.race([rpc(socket, { module: 'users', command: 'list', requestId: 'late' }), disconnected.then(() => 'disconnected')]);
        if (overSocket !== 'disconnected') {
          expect(overSocket).toEqual({
            error: { status: 401, code: 'token_expired', message: 'the access token has expired', details: [], context: { module: 'users', command: 'list', requestId: 'late' } },
          });
        }
      } else {
        await disconnected;
      }
      const refused = await connectError(expiring.url, { auth: { token: tokens.bearer } });
      expect(refused.message).toBe('the access token has expired');
      expect(refused.data).toMatchObject({ status: 401, code: 'token_expired' });
      // The refresh token still trades for a fresh access token.
      const fresh = await expiring.http('POST', '/api/auth/refresh', { body: { refresh: tokens.refresh } });
      expect(fresh.status).toBe(200);
      expect((await expiring.http('GET', '/api/users', { token: fresh.body.bearer })).status).toBe(200);
    });
  });

  describe('socket handshake', () => {
    it('refuses a connection without a token or with a bad token with unauthorized', async () => {
      const cases: Array<Parameters<typeof connectSocket>[1]> = [
        {},
        { auth: { token: '' } },
        { auth: { token: 'not.a.jwt' } },
        { auth: { token: `${admin}x` } },
        { extraHeaders: { authorization: 'Basic YWRtaW46YWRtaW4=' } },
        { query: { token: 'garbage' } },
      ];
      for (const options of cases) {
        const error = await connectError(server.url, options);
        expect(error.data).toMatchObject({ status: 401, code: 'unauthorized' });
      }
    });

    it('refuses a token signed with another key', async () => {
      const [header, payload] = admin.split('.');
      const error = await connectError(server.url, { auth: { token: `${header}.${payload}.c2lnbmF0dXJl` } });
      expect(error.data).toMatchObject({ code: 'unauthorized', message: 'the access token is not valid' });
    });

    it.each([
      ['auth.token', (token: string) => ({ auth: { token } })],
      ['an Authorization: Bearer header', (token: string) => ({ extraHeaders: { authorization: `Bearer ${token}` } })],
      ['?token=', (token: string) => ({ query: { token } })],
    ])('accepts the token as %s', async (_name, options) => {
      const socket = await connectSocket(server.url, options(admin));
      sockets.push(socket);
      expect((await rpc(socket, { module: 'users', command: 'read', entity: 1 })).username).toBe('admin');
    });

    it('accepts the Authorization header over HTTP long-polling too', async () => {
      const socket = await connectSocket(server.url, { transports: ['polling'], extraHeaders: { authorization: `Bearer ${admin}` } });
      sockets.push(socket);
      expect((await rpc(socket, { module: 'users', command: 'read', entity: 1 })).username).toBe('admin');
    });
  });

  describe('Origin check', () => {
    it.each([['websocket'], ['polling']])('over %s refuses an Origin not in CORS_ORIGINS', async (transport) => {
      const error = await connectError(server.url, { transports: [transport], auth: { token: admin }, extraHeaders: { origin: 'https://evil.example.com' } });
      expect(error).toBeInstanceOf(Error);
      expect(error.data?.code).toBeUndefined();
    });

    it.each([['websocket'], ['polling']])('over %s accepts an Origin in CORS_ORIGINS, and no Origin', async (transport) => {
      const allowed = await connectSocket(server.url, { transports: [transport], auth: { token: admin }, extraHeaders: { origin: UI_ORIGIN } });
      sockets.push(allowed);
      expect((await rpc(allowed, { module: 'users', command: 'read', entity: 1 })).username).toBe('admin');
      const scripted = await connectSocket(server.url, { transports: [transport], auth: { token: admin } });
      sockets.push(scripted);
      expect(scripted.connected).toBe(true);
    });

    it('accepts the relay’s own origin', async () => {
      const socket = await connectSocket(server.url, { auth: { token: admin }, extraHeaders: { origin: server.url } });
      sockets.push(socket);
      expect(socket.connected).toBe(true);
    });

    it('refuses a bad Origin even with a valid token, and a lookalike of an allowed one', async () => {
      for (const origin of ['https://ui.example.com.evil.net', 'http://ui.example.com', 'null']) {
        const error = await connectError(server.url, { auth: { token: admin }, extraHeaders: { origin } });
        expect(error).toBeInstanceOf(Error);
      }
    });
  });

  it('never writes a password or a token to the log', () => {
    const log = [...server.output, ...expiring.output].join('\n');
    expect(log).not.toContain(ADMIN_PASSWORD);
    expect(log).not.toContain(PASSWORD);
    expect(log).not.toContain(admin);
    expect(log).not.toMatch(/eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+/);
  });
});
