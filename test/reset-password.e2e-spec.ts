import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { runNode } from './support/processes.js';
import { ADMIN_PASSWORD, connectSocket, MAIN, nextEvent, startServer, type TestServer } from './support/test-server.js';
import { eventually } from './support/wire.js';

const RESET_PASSWORD = join(dirname(MAIN), 'cli', 'reset-password.js');
const IGNORED = 'ADMIN_PASSWORD is ignored';

describe('npm run reset-password, on DATABASE_URL', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'mtx-relay-reset-'));
  let server: TestServer;
  let resetPassword: (args: string[], stdin?: string) => ReturnType<typeof runNode>;

  beforeAll(async () => {
    server = await startServer();
    resetPassword = (args, stdin) => runNode(RESET_PASSWORD, args, { DATABASE_URL: server.databaseUrl, DATA_DIR: dataDir }, { stdin });
  });
  afterAll(async () => {
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('gives admin a fresh password, and the running relay ends its tokens and sockets', async () => {
    const { bearer } = await server.login();
    const socket = await connectSocket(server.url, { auth: { token: bearer } });
    const disconnected = nextEvent(socket, 'disconnect', 30_000);

    const run = await resetPassword(['admin']);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    const password = /^new password for admin: (\S{16,})$/m.exec(run.stdout)?.[1];
    expect(run.stdout).toContain('every session and token of admin is revoked');

    expect((await server.http('POST', '/api/auth', { body: { username: 'admin', password: ADMIN_PASSWORD } })).status).toBe(401);
    expect((await server.login('admin', password)).user).toMatchObject({ username: 'admin', role: 'admin' });
    await eventually(async () => (await server.http('GET', '/api/users', { token: bearer })).status === 401, 15_000);
    await expect(disconnected).resolves.toEqual(expect.any(String));
    const updated = (await server.http('GET', '/api/users?search=admin', { token: (await server.login('admin', password)).bearer })).body.items[0];
    expect(updated.updated_at).not.toBe(updated.created_at);
  }, 60_000);

  it('lets a disabled user log in again with --enable, the password read from standard input', async () => {
    const admin = await server.login('admin', (await resetAdmin()).password);
    const created = await server.http('POST', '/api/users', { token: admin.bearer, body: { username: 'locked-out', password: 'the-old-password', can_login: false } });
    expect(created.status).toBe(201);

    const run = await resetPassword(['locked-out', '--enable', '--password-stdin'], 'a-password-from-stdin\n');
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toContain('password of locked-out changed');
    expect(run.stdout).not.toContain('a-password-from-stdin');
    expect((await server.login('locked-out', 'a-password-from-stdin')).user).toMatchObject({ username: 'locked-out', can_login: true });
  }, 60_000);

  it('says in one line what is wrong: an unknown user, a short password, no user named', async () => {
    const unknown = await resetPassword(['nobody']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toBe('mtx-relay reset-password: user nobody not found\n');
    const short = await resetPassword(['admin', '--password-stdin'], 'short\n');
    expect(short.code).toBe(1);
    expect(short.stderr).toBe('mtx-relay reset-password: the password must be at least 8 characters\n');
    const none = await resetPassword([]);
    expect(none.code).toBe(1);
    expect(none.stderr).toBe('mtx-relay reset-password: usage: npm run reset-password -- <username> [--enable] [--password-stdin]\n');
  }, 60_000);

  it('a later start with another ADMIN_PASSWORD warns that it is ignored; one with the current password does not', async () => {
    const { password } = await resetAdmin();
    await server.stop();
    server = await startServer({ databaseUrl: server.databaseUrl, env: { ADMIN_PASSWORD: 'a-changed-admin-password' } });
    const warnings = server.output.filter((line) => line.includes(IGNORED));
    expect(warnings).toHaveLength(1);
    expect(JSON.parse(warnings[0])).toMatchObject({ level: expect.any(Number), variable: 'ADMIN_PASSWORD', msg: expect.stringContaining('npm run reset-password -- admin') });
    expect(server.output.join('\n')).not.toContain('a-changed-admin-password');

    await server.stop();
    server = await startServer({ databaseUrl: server.databaseUrl, env: { ADMIN_PASSWORD: password } });
    expect(server.output.filter((line) => line.includes(IGNORED))).toEqual([]);
  }, 90_000);

  async function resetAdmin(): Promise<{ password: string }> {
    const run = await resetPassword(['admin']);
    expect(run.code).toBe(0);
    return { password: /^new password for admin: (\S+)$/m.exec(run.stdout)![1] };
  }
});
