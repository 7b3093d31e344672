import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ADMIN_PASSWORD, startServer, type TestServer } from './support/test-server.js';
import { errorShape, eventually, send, type Caller, type Transport, type WireAnswer, type WireRequest } from './support/wire.js';

const PASSWORD = 'a-user-password-1';
const NEW_PASSWORD = 'another-password-2';
const SORTABLE = 'must be one of: id, -id, username, -username, role, -role, created_at, -created_at, updated_at, -updated_at';
const NOT_VALID = 'the request is not valid';

let server: TestServer;
/** Every answer any request of this file got, to check that no password ever comes back. */
const answers: unknown[] = [];

beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server?.stop();
});

/** Keys that would carry a password or its hash, anywhere in an answer. */
function passwordKeys(value: unknown, path = ''): string[] {
  if (Array.isArray(value)) return value.flatMap((item, index) => passwordKeys(item, `${path}[${index}]`));
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([key, item]) => [...(/pass|hash/i.test(key) ? [`${path}.${key}`] : []), ...passwordKeys(item, `${path}.${key}`)]);
}

describe.each<Transport>(['rest', 'socket'])('users over %s', (transport) => {
  // Each transport works on its own users, so the two runs do not see each other's.
  const prefix = `${transport}-`;
  const admin: Caller = { token: '' };
  const alice: Caller = { token: '' };
  const ids: Record<string, number> = {};
  const views: Record<string, Record<string, unknown>> = {};

  const call = async (caller: Caller, command: string, entity?: string | number, payload?: Record<string, unknown>): Promise<WireAnswer & { request: WireRequest }> => {
    const request: WireRequest = { module: 'users', command, entity, payload };
    const answer = await send(server, transport, caller, request);
    answers.push(answer.body);
    return { ...answer, request };
  };
  /** A success: the REST status, and over the socket an answer that is not an error. */
  const expectOk = (answer: WireAnswer, status = 200) => {
    if (transport === 'rest') expect(answer.status).toBe(status);
    expect(answer.body?.error).toBeUndefined();
  };
  const expectError = (answer: WireAnswer & { request: WireRequest }, status: number, code: string, message: string, details: unknown[] = []) => {
    expect(answer.status).toBe(status);
    expect(answer.body).toEqual(errorShape(answer, answer.request, status, code, message, details));
  };
  const view = (username: string, extra: Record<string, unknown> = {}) =>
    expect.objectContaining({ id: expect.any(Number), username, role: 'user', can_login: true, created_at: expect.any(String), updated_at: expect.any(String), ...extra });
  const listed = (answer: WireAnswer) => (answer.body.items as Array<{ username: string }>).map((user) => user.username);
  const login = async (caller: Caller, username: string, password: string) => {
    caller.socket?.close();
    caller.socket = undefined;
    caller.token = (await server.login(username, password)).bearer;
  };

  beforeAll(async () => {
    await login(admin, 'admin', ADMIN_PASSWORD);
  });
  afterAll(() => {
    admin.socket?.close();
    alice.socket?.close();
  });

  describe('as an admin', () => {
    it('creates users; the answer is the user without any password', async () => {
      for (const [name, extra] of [
        ['alice', {}],
        ['bob', {}],
        ['carol', { can_login: false }],
        ['zed', { role: 'admin' }],
      ] as const) {
        const username = `${prefix}${name}`;
        const answer = await call(admin, 'create', undefined, { username, password: PASSWORD, ...extra });
        expectOk(answer, 201);
        expect(answer.body).toEqual(view(username, extra));
        expect(passwordKeys(answer.body)).toEqual([]);
        ids[name] = answer.body.id;
        views[name] = answer.body;
      }
      expect(new Set(Object.values(ids)).size).toBe(4);
    });

    it('refuses a second user of the same name, whatever its case, with 409 conflict', async () => {
      const username = `${prefix}ALICE`.toUpperCase();
      const duplicate = await call(admin, 'create', undefined, { username, password: PASSWORD });
      expectError(duplicate, 409, 'conflict', `username ${username} is already taken`, [{ path: 'username', message: 'is already taken' }]);
      const rename = await call(admin, 'update', ids.bob, { username: `${prefix}Alice` });
      expectError(rename, 409, 'conflict', `username ${prefix}Alice is already taken`, [{ path: 'username', message: 'is already taken' }]);
    });

    it('refuses an invalid user with validation_failed and one detail per problem', async () => {
      const answer = await call(admin, 'create', undefined, { username: 'has space', password: 'short', role: 'root', can_login: 'yes', nickname: 'x' });
      expectError(answer, 400, 'validation_failed', NOT_VALID, [
        { path: 'payload.username', message: 'must be 1 to 64 letters, digits or . _ @ -, starting with a letter or digit' },
        { path: 'payload.password', message: 'must be at least 8 characters' },
        { path: 'payload.role', message: 'Invalid option: expected one of "admin"|"user"' },
        { path: 'payload.can_login', message: 'Invalid input: expected boolean, received string' },
        { path: 'payload', message: 'Unrecognized key: "nickname"' },
      ]);
      const missing = await call(admin, 'create', undefined, { username: `${prefix}nopass` });
      expectError(missing, 400, 'validation_failed', NOT_VALID, [{ path: 'payload.password', message: 'Invalid input: expected string, received undefined' }]);
    });

    it('reads a user, and answers not_found for one that does not exist', async () => {
      const answer = await call(admin, 'read', ids.alice);
      expectOk(answer);
      expect(answer.body).toEqual(views.alice);
      expectError(await call(admin, 'read', 999999), 404, 'not_found', 'user 999999 not found');
      expectError(await call(admin, 'read', 'abc'), 400, 'validation_failed', NOT_VALID, [{ path: 'entity', message: 'must be a user id (a positive whole number)' }]);
    });

    it('updates a user, and refuses an update that changes nothing', async () => {
      const answer = await call(admin, 'update', ids.carol, { username: `${prefix}carla`, role: 'user' });
      expectOk(answer);
      expect(answer.body).toEqual(view(`${prefix}carla`, { id: ids.carol, can_login: false, created_at: views.carol.created_at }));
      expect(Date.parse(answer.body.updated_at)).toBeGreaterThanOrEqual(Date.parse(answer.body.created_at));
      expect((await call(admin, 'read', ids.carol)).body).toEqual(answer.body);
      expectError(await call(admin, 'update', ids.carol, {}), 400, 'validation_failed', NOT_VALID, [{ path: 'payload', message: 'name at least one field to change' }]);
      expectError(await call(admin, 'update', 999999, { username: 'ghost' }), 404, 'not_found', 'user 999999 not found');
    });

    it('lists with search, sortBy, page and itemsPerPage', async () => {
      const all = await call(admin, 'list', undefined, { search: prefix });
      expectOk(all);
      expect(all.body).toEqual({ items: expect.any(Array), total: 4, page: 1, itemsPerPage: 10 });
      expect(listed(all)).toEqual(['alice', 'bob', 'carla', 'zed'].map((name) => `${prefix}${name}`)); // by id
      for (const item of all.body.items) expect(passwordKeys(item)).toEqual([]);

      const descending = await call(admin, 'list', undefined, { search: prefix.toUpperCase(), sortBy: '-username' });
      expect(listed(descending)).toEqual(['zed', 'carla', 'bob', 'alice'].map((name) => `${prefix}${name}`));
      const byRole = await call(admin, 'list', undefined, { search: prefix, sortBy: 'role' });
      expect(listed(byRole)[0]).toBe(`${prefix}zed`);

      const page2 = await call(admin, 'list', undefined, { search: prefix, sortBy: 'username', page: 2, itemsPerPage: 3 });
      expect(page2.body).toEqual({ items: [expect.objectContaining({ username: `${prefix}zed` })], total: 4, page: 2, itemsPerPage: 3 });
      const beyond = await call(admin, 'list', undefined, { search: prefix, page: 9 });
      expect(beyond.body).toEqual({ items: [], total: 4, page: 9, itemsPerPage: 10 });
      const literal = await call(admin, 'list', undefined, { search: '%' });
      expect(literal.body.total).toBe(0);
      const everyone = await call(admin, 'list');
      expect(everyone.body.total).toBeGreaterThanOrEqual(5);
    });

    it('refuses list options it does not know with validation_failed', async () => {
      expectError(await call(admin, 'list', undefined, { sortBy: 'password_hash' }), 400, 'validation_failed', NOT_VALID, [{ path: 'payload.sortBy', message: SORTABLE }]);
      expectError(await call(admin, 'list', undefined, { sortBy: '-nope' }), 400, 'validation_failed', NOT_VALID, [{ path: 'payload.sortBy', message: SORTABLE }]);
      expectError(await call(admin, 'list', undefined, { itemsPerPage: 101, page: 0 }), 400, 'validation_failed', NOT_VALID, [
        { path: 'payload.page', message: 'Too small: expected number to be >=1' },
        { path: 'payload.itemsPerPage', message: 'Too big: expected number to be <=100' },
      ]);
      expectError(await call(admin, 'list', undefined, { color: 'red' }), 400, 'validation_failed', NOT_VALID, [{ path: 'payload', message: 'Unrecognized key: "color"' }]);
    });

    it('may not delete themselves', async () => {
      expectError(await call(admin, 'delete', 1), 403, 'forbidden', 'you cannot delete yourself');
    });

    it('a role change applies from the next request of a signed-in user', async () => {
      const zed: Caller = { token: (await server.login(`${prefix}zed`, PASSWORD)).bearer };
      try {
        expectOk(await call(zed, 'list'));
        expectOk(await call(admin, 'update', ids.zed, { role: 'user' }));
        expectError(await call(zed, 'list'), 403, 'forbidden', 'this needs an admin');
        expectError(await call(zed, 'read', ids.alice), 404, 'not_found', `user ${ids.alice} not found`);
        expectOk(await call(zed, 'read', ids.zed));
        expectOk(await call(admin, 'update', ids.zed, { role: 'admin' }));
        expectOk(await call(zed, 'list'));
      } finally {
        zed.socket?.close();
      }
    });

    it('may not demote or disable the last admin who can log in; a disabled admin does not count', async () => {
      // zed is an admin who can log in: demote zed, then disable them as an admin.
      expectOk(await call(admin, 'update', ids.zed, { role: 'user' }));
      expectOk(await call(admin, 'update', ids.zed, { role: 'admin', can_login: false }));
      for (const change of [{ role: 'user' }, { can_login: false }, { role: 'user', can_login: false }]) {
        expectError(await call(admin, 'update', 1, change), 409, 'conflict', 'you cannot demote or disable the last admin who can log in');
      }
      const me = await call(admin, 'read', 1);
      expect(me.body).toEqual(expect.objectContaining({ role: 'admin', can_login: true }));
    });

    it('deletes a user: it is gone, its tokens stop working, and deleting it again is not_found', async () => {
      const bob = await server.login(`${prefix}bob`, PASSWORD);
      const answer = await call(admin, 'delete', ids.bob);
      expectOk(answer);
      expect(answer.body).toEqual({ id: ids.bob, deleted: true });
      expectError(await call(admin, 'read', ids.bob), 404, 'not_found', `user ${ids.bob} not found`);
      expectError(await call(admin, 'delete', ids.bob), 404, 'not_found', `user ${ids.bob} not found`);
      expect((await server.http('GET', `/api/users/${ids.bob}`, { token: bob.bearer })).status).toBe(401);
      expect((await server.http('POST', '/api/auth', { body: { username: `${prefix}bob`, password: PASSWORD } })).status).toBe(401);
    });
  });

  describe('as a user', () => {
    beforeAll(async () => {
      await login(alice, `${prefix}alice`, PASSWORD);
    });

    it('reads themselves', async () => {
      const answer = await call(alice, 'read', ids.alice);
      expectOk(answer);
      expect(answer.body).toEqual(views.alice);
    });

    it('cannot see anyone else: another user’s id is not_found, like an id that does not exist', async () => {
      for (const id of [1, ids.carol, ids.zed, 999999]) {
        expectError(await call(alice, 'read', id), 404, 'not_found', `user ${id} not found`);
        expectError(await call(alice, 'update', id, { username: `${prefix}taken-over` }), 404, 'not_found', `user ${id} not found`);
      }
    });

    it('may not list, create or delete users (forbidden)', async () => {
      expectError(await call(alice, 'list'), 403, 'forbidden', 'this needs an admin');
      expectError(await call(alice, 'list', undefined, { search: 'a' }), 403, 'forbidden', 'this needs an admin');
      expectError(await call(alice, 'create', undefined, { username: `${prefix}mallory`, password: PASSWORD }), 403, 'forbidden', 'this needs an admin');
      expectError(await call(alice, 'delete', ids.carol), 403, 'forbidden', 'this needs an admin');
      expectError(await call(alice, 'delete', ids.alice), 403, 'forbidden', 'this needs an admin');
      expect((await call(admin, 'read', ids.carol)).body.username).toBe(`${prefix}carla`);
    });

    it('may not change their own role or can_login (forbidden)', async () => {
      for (const change of [{ role: 'admin' }, { can_login: false }, { username: `${prefix}alice2`, role: 'admin' }]) {
        const answer = await call(alice, 'update', ids.alice, change);
        expect(answer.status).toBe(403);
        expect(answer.body).toEqual(
          errorShape(answer, answer.request, 403, 'forbidden', expect.stringMatching(/^only an admin may change role(,| or) can_login/) as unknown as string),
        );
      }
      expect((await call(alice, 'read', ids.alice)).body).toEqual(views.alice);
    });

    it('changes their own username', async () => {
      const answer = await call(alice, 'update', ids.alice, { username: `${prefix}alicia` });
      expectOk(answer);
      expect(answer.body).toEqual(view(`${prefix}alicia`, { id: ids.alice }));
      expectError(await call(alice, 'update', ids.alice, { username: `${prefix}CARLA` }), 409, 'conflict', `username ${prefix}CARLA is already taken`, [
        { path: 'username', message: 'is already taken' },
      ]);
    });

    it('changes their own password, given the current one, which ends their sessions; the new password logs in', async () => {
      const answer = await call(alice, 'update', ids.alice, { password: NEW_PASSWORD, current_password: PASSWORD });
      expectOk(answer);
      expect(answer.body).toEqual(view(`${prefix}alicia`, { id: ids.alice }));
      expect(passwordKeys(answer.body)).toEqual([]);
      expect((await server.http('GET', `/api/users/${ids.alice}`, { token: alice.token })).status).toBe(401);
      if (alice.socket) {
        const socket = alice.socket;
        await eventually(async () => !socket.connected, 1000, 20);
      }
      expect((await server.http('POST', '/api/auth', { body: { username: `${prefix}alicia`, password: PASSWORD } })).status).toBe(401);
      await login(alice, `${prefix}alicia`, NEW_PASSWORD);
      expectOk(await call(alice, 'read', ids.alice));
    });
  });
});

describe('the last admin', () => {
  it('two admins deleting each other at once: one wins, the other is refused, an admin remains', async () => {
    const admin = await server.login();
    const created = await server.http('POST', '/api/users', { token: admin.bearer, body: { username: 'second-admin', password: PASSWORD, role: 'admin' } });
    expect(created.status).toBe(201);
    const second = await server.login('second-admin', PASSWORD);
    // Both callers have been seen, so both requests pass authentication at once and meet in the database.
    for (const caller of [admin, second]) expect((await server.http('GET', '/api/users/1', { token: caller.bearer })).status).toBe(200);

    const [first, other] = await Promise.all([
      server.http('DELETE', `/api/users/${created.body.id}`, { token: admin.bearer }),
      server.http('DELETE', '/api/users/1', { token: second.bearer }),
    ]);
    answers.push(first.body, other.body);
    expect([first.status, other.status].filter((status) => status === 200)).toHaveLength(1);
    const loser = first.status === 200 ? other : first;
    // The loser either lost the race in the database (conflict) or had already been deleted (unauthorized).
    expect([401, 409]).toContain(loser.status);
    if (loser.status === 409) {
      expect(loser.body).toEqual({
        error: { status: 409, code: 'conflict', message: 'you cannot delete the last admin who can log in', details: [], context: { module: 'users', command: 'delete' } },
      });
    }
    const survivor = first.status === 200 ? admin : second;
    const admins = await server.http('GET', '/api/users?sortBy=role&itemsPerPage=100', { token: survivor.bearer });
    expect(admins.status).toBe(200);
    expect(admins.body.items.filter((user: { role: string; can_login: boolean }) => user.role === 'admin' && user.can_login)).toHaveLength(1);
  });
});

describe('answers', () => {
  it('never contain a password or a password hash', () => {
    expect(answers.length).toBeGreaterThan(50);
    expect(passwordKeys(answers)).toEqual([]);
    const text = JSON.stringify(answers);
    for (const secret of [PASSWORD, NEW_PASSWORD, ADMIN_PASSWORD, '$argon2']) expect(text).not.toContain(secret);
  });
});
