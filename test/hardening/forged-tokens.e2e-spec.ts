import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { connectSocket, JWT_SECRET, rpc, startServer, type TestServer } from '../support/test-server.js';

// What the server signs with (src/config/config.ts): issuer and audience `mtx-relay`.
const ISSUER = 'mtx-relay';
const AUDIENCE = 'mtx-relay';

const base64url = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

/** An HS256 token over exactly these claims, signed with the server's key: only its content is forged. */
function forge(claims: Record<string, unknown>): string {
  const unsigned = `${base64url({ alg: 'HS256', typ: 'JWT' })}.${base64url({ iss: ISSUER, aud: AUDIENCE, ...claims })}`;
  return `${unsigned}.${createHmac('sha256', JWT_SECRET).update(unsigned).digest('base64url')}`;
}

const claimsOf = (token: string): Record<string, any> => JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8'));

describe('access tokens signed with the right key but carrying bad claims', () => {
  let server: TestServer;
  let admin: Record<string, any>;
  let alice: Record<string, any>;
  let adminBearer: string;
  const forged: Array<[string, string]> = [];

  beforeAll(async () => {
    server = await startServer();
    adminBearer = (await server.login()).bearer;
    const created = await server.http('POST', '/api/users', { token: adminBearer, body: { username: 'alice', password: 'alice-password-1' } });
    expect(created.status).toBe(201);
    admin = claimsOf(adminBearer);
    alice = claimsOf((await server.login('alice', 'alice-password-1')).bearer);
    const now = Math.floor(Date.now() / 1000);
    const good = { sub: admin.sub, sid: admin.sid, tv: admin.tv, iat: now, exp: now + 600 };
    const without = (claim: string) => Object.fromEntries(Object.entries(good).filter(([name]) => name !== claim));
    forged.push(
      ['no exp', forge(without('exp'))],
      ['no iat', forge(without('iat'))],
      ['no sub', forge(without('sub'))],
      ['no sid', forge(without('sid'))],
      ['no tv', forge(without('tv'))],
      ['a string exp', forge({ ...good, exp: String(now + 600) })],
      ['a fractional exp', forge({ ...good, exp: now + 600.5 })],
      ['an exp no date can hold', forge({ ...good, exp: 1e13 })],
      ['a string iat', forge({ ...good, iat: String(now) })],
      ['a string tv', forge({ ...good, tv: String(admin.tv) })],
      ['a non-numeric sub', forge({ ...good, sub: 'admin' })],
      ['a sub in exponent form', forge({ ...good, sub: '1e0' })],
      ['a sub beyond any user id', forge({ ...good, sub: '99999999999' })],
      ['a numeric sub', forge({ ...good, sub: Number(admin.sub) })],
      ['an empty sid', forge({ ...good, sid: '' })],
      ['a sid that is no session id', forge({ ...good, sid: 'not-a-session' })],
      ['the admin as sub with alice’s session', forge({ ...good, sid: alice.sid })],
      ['alice as sub with the admin’s session', forge({ ...good, sub: alice.sub, tv: alice.tv })],
    );
  }, 60000);

  afterAll(async () => {
    await server?.stop();
  });

  it('issues tokens that carry iat and exp', () => {
    expect(admin).toMatchObject({ iss: ISSUER, aud: AUDIENCE, sub: '1', sid: expect.any(String), tv: expect.any(Number), iat: expect.any(Number) });
    expect(admin.exp - admin.iat).toBe(900);
  });

  it('a forged token with every claim right is accepted, so the refusals below are about the claims', async () => {
    const now = Math.floor(Date.now() / 1000);
    const token = forge({ sub: admin.sub, sid: admin.sid, tv: admin.tv, iat: now, exp: now + 600 });
    expect((await server.http('GET', '/api/users/1', { token })).status).toBe(200);
  });

  it('REST answers each with 401 in the one error shape', async () => {
    const answers = [];
    for (const [name, token] of forged) answers.push({ name, ...(await server.http('GET', '/api/users/1', { token })) });
    const unauthorizedShape = {
      error: { status: 401, code: 'unauthorized', message: expect.any(String), details: [], context: { module: 'users', command: 'read' } },
    };
    expect(answers.map(({ name, status, body }) => ({ name, status, body }))).toEqual(forged.map(([name]) => ({ name, status: 401, body: unauthorizedShape })));
    expect(server.process.exitCode).toBeNull();
  });

  it('a socket connecting with each gets connect_error unauthorized', async () => {
    const outcomes = [];
    for (const [name, token] of forged) {
      const outcome = await connectSocket(server.url, { auth: { token } }).then(
        (socket) => {
          socket.close();
          return 'connected';
        },
        (error: Error & { data?: unknown }) => error.data ?? error.message,
      );
      outcomes.push({ name, outcome });
    }
    expect(outcomes).toEqual(forged.map(([name]) => ({ name, outcome: expect.objectContaining({ status: 401, code: 'unauthorized' }) })));
  });

  it('is still running and serving afterwards', async () => {
    expect(server.process.exitCode).toBeNull();
    expect((await server.http('GET', '/api/users/1', { token: adminBearer })).status).toBe(200);
    const socket = await connectSocket(server.url, { auth: { token: adminBearer } });
    expect((await rpc(socket, { module: 'users', command: 'read', entity: 1 })).username).toBe('admin');
    socket.close();
    expect(server.output.join('\n')).not.toMatch(/uncaught|RangeError/i);
  });
});
