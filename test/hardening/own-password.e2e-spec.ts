import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { withinFirstWait } from '../support/backoff.js';
import { startServer, type TestServer } from '../support/test-server.js';
import { errorShape, eventually, send, type Caller, type Transport, type WireAnswer, type WireRequest } from '../support/wire.js';

const PASSWORD = 'a-user-password-1';
const NEW_PASSWORD = 'another-password-2';

let server: TestServer;

beforeAll(async () => {
  // LOGIN_FREE_ATTEMPTS left at its default, 5.
  server = await startServer();
}, 60000);
afterAll(async () => {
  await server?.stop();
});

describe.each<Transport>(['rest', 'socket'])('changing your own password over %s', (transport) => {
  const prefix = `${transport}-pw-`;
  const admin: Caller = { token: '' };
  const ids: Record<string, number> = {};
  const callers: Caller[] = [admin];

  const update = async (caller: Caller, id: number, payload: Record<string, unknown>): Promise<WireAnswer & { request: WireRequest }> => {
    const request: WireRequest = { module: 'users', command: 'update', entity: id, payload };
    return { ...(await send(server, transport, caller, request)), request };
  };
  const signIn = async (name: string, password = PASSWORD): Promise<Caller> => {
    const caller: Caller = { token: (await server.login(`${prefix}${name}`, password)).bearer };
    callers.push(caller);
    return caller;
  };
  const logsIn = async (name: string, password: string): Promise<number> =>
    (await server.http('POST', '/api/auth', { body: { username: `${prefix}${name}`, password } })).status;
  const expectInvalid = (answer: WireAnswer & { request: WireRequest }, message: string, detail: string) => {
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual(errorShape(answer, answer.request, 400, 'validation_failed', message, [{ path: 'payload.current_password', message: detail }]));
  };
  const expectOk = (answer: WireAnswer) => {
    if (transport === 'rest') expect(answer.status).toBe(200);
    expect(answer.body?.error).toBeUndefined();
  };

  beforeAll(async () => {
    admin.token = (await server.login()).bearer;
    for (const [name, role] of [
      ['uma', 'user'],
      ['wes', 'user'],
      ['root', 'admin'],
    ] as const) {
      const created = await server.http('POST', '/api/users', { token: admin.token, body: { username: `${prefix}${name}`, password: PASSWORD, role } });
      expect(created.status).toBe(201);
      ids[name] = created.body.id as number;
    }
  });
  afterAll(() => {
    for (const caller of callers) caller.socket?.close();
  });

  it('without current_password is refused, and nothing changes', async () => {
    const uma = await signIn('uma');
    expectInvalid(await update(uma, ids.uma, { password: NEW_PASSWORD }), 'changing your own password needs your current password', 'is required to change your own password');
    expectOk(await send(server, transport, uma, { module: 'users', command: 'read', entity: ids.uma }));
    expect(await logsIn('uma', NEW_PASSWORD)).toBe(401);
    expect(await logsIn('uma', PASSWORD)).toBe(200);
  });

  it('with a wrong current_password is refused, and nothing changes', async () => {
    const uma = await signIn('uma');
    expectInvalid(await update(uma, ids.uma, { password: NEW_PASSWORD, current_password: 'not-the-current-password' }), 'the current password is not right', 'is not your current password');
    expectOk(await send(server, transport, uma, { module: 'users', command: 'read', entity: ids.uma }));
    expect(await logsIn('uma', PASSWORD)).toBe(200);
  });

  it('current_password goes only with password', async () => {
    const uma = await signIn('uma');
    expectInvalid(await update(uma, ids.uma, { username: `${prefix}uma`, current_password: PASSWORD }), 'the request is not valid', 'only goes with password');
  });

  it('with the right current_password changes it and ends the sessions', async () => {
    const uma = await signIn('uma');
    expectOk(await update(uma, ids.uma, { password: NEW_PASSWORD, current_password: PASSWORD }));
    expect((await server.http('GET', `/api/users/${ids.uma}`, { token: uma.token })).status).toBe(401);
    expect(await logsIn('uma', PASSWORD)).toBe(401);
    expect(await logsIn('uma', NEW_PASSWORD)).toBe(200);
  });

  it('an admin changing their own password needs it too; resetting someone else’s does not', async () => {
    const root = await signIn('root');
    expectInvalid(await update(root, ids.root, { password: NEW_PASSWORD }), 'changing your own password needs your current password', 'is required to change your own password');
    expectOk(await update(root, ids.wes, { password: NEW_PASSWORD }));
    expect(await logsIn('wes', NEW_PASSWORD)).toBe(200);
    expectOk(await update(root, ids.root, { password: NEW_PASSWORD, current_password: PASSWORD }));
    expect(await logsIn('root', NEW_PASSWORD)).toBe(200);
  });

  it('wrong current passwords draw on the account’s login backoff, shared with logins', async () => {
    const { name, outcomes, rightLogin } = await withinFirstWait(async (tryNumber) => {
      const name = `vic-${tryNumber}`;
      const created = await server.http('POST', '/api/users', { token: admin.token, body: { username: `${prefix}${name}`, password: PASSWORD, role: 'user' } });
      expect(created.status).toBe(201);
      const vic = await signIn(name);
      const seen: Array<string | undefined> = [];
      // Until the fifth wrong password (whose failure begins the wait) is sent: the start of the try.
      let waitBeganBefore = Date.now();
      // Bounded: a few more than the 5 free attempts.
      for (let i = 0; i < 8; i += 1) {
        if (i === 4) waitBeganBefore = Date.now();
        const answer = await update(vic, created.body.id as number, { password: NEW_PASSWORD, current_password: `wrong-current-${i}` });
        seen.push(answer.body?.error?.code);
        if (answer.body?.error?.code === 'rate_limited') {
          expect(answer.body.error.details).toEqual([{ retryAfterMs: expect.any(Number) }]);
          break;
        }
      }
      // Logging in with the right password waits the same.
      const status = await logsIn(name, PASSWORD);
      return { outcome: { name, outcomes: seen, rightLogin: status }, waitBeganBefore, lastAnsweredAt: Date.now() };
    });
    expect(outcomes).toEqual(['validation_failed', 'validation_failed', 'validation_failed', 'validation_failed', 'validation_failed', 'rate_limited']);
    expect(rightLogin).toBe(429);
    await eventually(async () => (await logsIn(name, PASSWORD)) === 200, 10000, 250);
  });
});

describe('the server output', () => {
  it('never shows a password given as current_password', () => {
    const output = server.output.join('\n');
    expect(output).toContain('users.update refused: 400 validation_failed');
    for (const secret of [PASSWORD, NEW_PASSWORD, 'not-the-current-password', 'wrong-current-']) expect(output).not.toContain(secret);
  });
});
