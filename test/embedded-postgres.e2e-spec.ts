import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, watch } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { isAlive, postmasterPid, runNode } from './support/processes.js';
import { connectSocket, JWT_SECRET, MAIN, nextEvent, startServer, type TestServer } from './support/test-server.js';
import { eventually, sleep } from './support/wire.js';

const RESET_PASSWORD = join(dirname(MAIN), 'cli', 'reset-password.js');
const USER_PASSWORD = 'a-user-password-1';
/** initdb on a busy machine */
const FIRST_START_MS = 120_000;

/** The relay's only PostgreSQL is its embedded one: no DATABASE_URL. */
describe('the embedded PostgreSQL', () => {
  const folder = mkdtempSync(join(tmpdir(), 'mtx-relay-embedded-'));
  // As root PostgreSQL runs as the user `postgres`, which must reach the data.
  chmodSync(folder, 0o755);
  const dataDir = join(folder, 'data');
  // The relay's system temp folder, open to everyone as /tmp is.
  const tempFolder = join(folder, 'tmp');
  mkdirSync(tempFolder);
  chmodSync(tempFolder, 0o1777);
  const start = () => startServer({ embeddedDataDir: dataDir, env: { TMPDIR: tempFolder }, startTimeoutMs: FIRST_START_MS });
  let relay: TestServer | undefined;
  let adminPassword = 'admin-password-for-tests';
  const login = async () => (await relay!.login('admin', adminPassword)).bearer;
  const runningPostmaster = () => {
    const pid = postmasterPid(dataDir);
    if (pid === undefined || !isAlive(pid)) throw new Error('no PostgreSQL is running on the data folder');
    return pid;
  };
  const linesOf = (message: string) => relay!.output.filter((line) => line.includes(`"msg":"${message}`)).length;

  afterAll(async () => {
    if (relay && relay.process.exitCode === null && relay.process.signalCode === null) await relay.stop();
    rmSync(folder, { recursive: true, force: true });
  });

  it('initialises its data without ever putting the database password in the temp folder', async () => {
    // Every password file that shows up in the temp folder, with its mode when seen.
    const seen: Array<{ name: string; mode: number }> = [];
    const watcher = watch(tempFolder, (_event, name) => {
      if (!name?.startsWith('pg-password')) return;
      try {
        seen.push({ name, mode: statSync(join(tempFolder, name)).mode & 0o777 });
      } catch {
        seen.push({ name, mode: 0 }); // gone already
      }
    });
    try {
      relay = await start();
    } finally {
      watcher.close();
    }
    expect(seen.filter(({ mode }) => (mode & 0o077) !== 0)).toEqual([]);
    expect(readdirSync(tempFolder).filter((name) => name.startsWith('pg-password'))).toEqual([]);
    const created = await relay.http('POST', '/api/users', { token: await login(), body: { username: 'before-crash', password: USER_PASSWORD } });
    expect(created.status).toBe(201);
  }, FIRST_START_MS + 30_000);

  it('after kill -9 of the relay, the next start stops the PostgreSQL it left and comes up with the data', async () => {
    const orphan = runningPostmaster();
    relay!.process.kill('SIGKILL');
    await relay!.stop();
    expect(isAlive(orphan)).toBe(true); // PostgreSQL outlives its relay

    relay = await start();
    expect(isAlive(orphan)).toBe(false);
    expect(linesOf('stopping the embedded PostgreSQL left running')).toBe(1);
    const found = await relay.http('GET', '/api/users?search=before-crash', { token: await login() });
    expect(found.body).toMatchObject({ total: 1, items: [{ username: 'before-crash' }] });
  }, FIRST_START_MS);

  it('refuses a second relay on the same DATA_DIR with one line while the first runs', async () => {
    const second = await runNode(MAIN, [], { DATA_DIR: dataDir, TMPDIR: tempFolder, PORT: '0', HOST: '127.0.0.1', JWT_SECRET });
    expect(second.code).toBe(1);
    expect(second.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(new RegExp(`^mtx-relay: the embedded PostgreSQL in .* is in use by another mtx-relay \\(process ${relay!.process.pid}\\): stop that one first, or give this one its own DATA_DIR$`)),
    ]);
    expect(second.stdout).not.toMatch(/listening|"stack"/);
    expect((await relay!.http('GET', '/api/users?search=before-crash', { token: await login() })).status).toBe(200);
  });

  it('reset-password works beside the running relay, which ends the sessions of the user at once', async () => {
    const bearer = await login();
    const socket = await connectSocket(relay!.url, { auth: { token: bearer } });
    const disconnected = nextEvent(socket, 'disconnect', 30_000);
    const run = await runNode(RESET_PASSWORD, ['admin'], { DATA_DIR: dataDir, TMPDIR: tempFolder });
    expect(run).toMatchObject({ code: 0, stderr: '' });
    adminPassword = /^new password for admin: (\S+)$/m.exec(run.stdout)![1]!;

    await expect(disconnected).resolves.toEqual(expect.any(String));
    await eventually(async () => (await relay!.http('GET', '/api/users', { token: bearer })).status === 401, 15_000);
    expect((await relay!.http('POST', '/api/auth', { body: { username: 'admin', password: 'admin-password-for-tests' } })).status).toBe(401);
    expect((await relay!.http('GET', '/api/users', { token: await login() })).status).toBe(200);
  }, 90_000);

  it('restarts PostgreSQL killed while users are being created, and every acknowledged one is there', async () => {
    const token = await login();
    const acknowledged: string[] = [];
    const statuses: number[] = [];
    let next = 0;
    let done = false;
    const writer = async () => {
      while (!done && next < 3000) {
        const username = `w-${next++}`;
        const answer = await relay!.http('POST', '/api/users', { token, body: { username, password: USER_PASSWORD } });
        statuses.push(answer.status);
        if (answer.status === 201) acknowledged.push(username);
        else await sleep(50);
      }
    };
    const writers = Promise.all([writer(), writer(), writer()]);
    try {
      await eventually(async () => acknowledged.length >= 10, 60_000, 50);
      const before = acknowledged.length;
      process.kill(runningPostmaster(), 'SIGKILL');
      // PostgreSQL is back, and the pool with it: writes are acknowledged again.
      await eventually(async () => linesOf('the embedded PostgreSQL is running again') === 1, 60_000);
      const back = acknowledged.length;
      await eventually(async () => acknowledged.length >= back + 10, 60_000, 50);
      expect(back).toBeGreaterThanOrEqual(before);
    } finally {
      done = true;
      await writers;
    }
    expect(statuses.some((status) => status !== 201)).toBe(true); // the kill was felt

    const present = new Set<string>();
    for (let page = 1; page <= 40; page += 1) {
      const listed = await relay!.http('GET', `/api/users?search=w-&itemsPerPage=100&page=${page}`, { token });
      for (const user of listed.body.items as Array<{ username: string }>) present.add(user.username);
      if (page * 100 >= listed.body.total) break;
    }
    expect(acknowledged.filter((username) => !present.has(username))).toEqual([]);
    expect(linesOf('the embedded PostgreSQL stopped unexpectedly; restarting it')).toBe(1);
  }, 180_000);

  it('SIGTERM right after PostgreSQL is killed still stops the relay promptly and cleanly', async () => {
    process.kill(runningPostmaster(), 'SIGKILL');
    await eventually(async () => linesOf('the embedded PostgreSQL stopped unexpectedly; restarting it') === 2, 10_000, 20);
    expect(await relay!.stop()).toBe(0);
    expect(relay!.output.join('\n')).not.toContain('shutdown took too long');
    const left = postmasterPid(dataDir);
    expect(left === undefined || !isAlive(left)).toBe(true);
  }, 60_000);

  it('gives up when PostgreSQL keeps dying, exiting non-zero for a process manager to restart it', async () => {
    relay = await start();
    // 'close' comes once the last line is read from the pipe; 'exit' can come before it.
    const exited = new Promise<number | null>((resolveExit) => relay!.process.once('close', resolveExit));
    for (let restart = 1; restart <= 3; restart += 1) {
      process.kill(runningPostmaster(), 'SIGKILL');
      await eventually(async () => linesOf('the embedded PostgreSQL is running again') === restart, 60_000);
    }
    process.kill(runningPostmaster(), 'SIGKILL');
    expect(await exited).toBe(1);
    expect(linesOf('the database is lost')).toBe(1);
    const left = postmasterPid(dataDir);
    expect(left === undefined || !isAlive(left)).toBe(true);
  }, 240_000);
});
