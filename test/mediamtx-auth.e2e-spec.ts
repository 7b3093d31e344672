import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import type { Socket } from 'socket.io-client';
import { FakeMediaMtx, MediaMtxDriver, PathManagerLoop, relayAuthAddress, type AuthOutcome } from './support/fake-mediamtx/index.js';
import { connectSocket, startServer, type TestServer } from './support/test-server.js';
import { eventually, sleep } from './support/waiting.js';

const HOOK_SECRET = 'hook-secret-for-the-auth-tests-0123456789';
const SERVICE_PASSWORD = 'service-password-for-the-auth-tests';
const BUDGET_MS = 1000;
/** MediaMTX gives up on the callback after 10 s (readTimeout); anything near that held it. */
const MEDIAMTX_PATIENCE_MS = 8000;

const results = (outcomes: AuthOutcome[]) => outcomes.map((outcome) => outcome.result);
const READ_OK = ['askCredentials', 'allowed', 'allowed'];
const READ_REFUSED = ['askCredentials', 'denied'];

/** Resolves with what `work` gave, or 'still waiting' if MediaMTX would have been held that long. */
const unlessHeld = <T>(work: Promise<T>): Promise<T | 'still waiting'> => Promise.race([work, sleep(MEDIAMTX_PATIENCE_MS).then(() => 'still waiting' as const)]);

describe('the auth callback answers from memory and never holds MediaMTX', () => {
  const loop = new PathManagerLoop();
  let fake: FakeMediaMtx;
  let server: TestServer;
  let second: TestServer;
  let driver: MediaMtxDriver;
  let onSecond: MediaMtxDriver;
  let admin: string;
  let yard: { id: number; mtx_path: string };
  let porch: { id: number; mtx_path: string };
  const sockets: Socket[] = [];

  const env = () => ({
    MEDIAMTX_API_URL: fake.url,
    MEDIAMTX_HOOK_SECRET: HOOK_SECRET,
    MEDIAMTX_SERVICE_PASSWORD: SERVICE_PASSWORD,
    MEDIAMTX_AUTH_BUDGET_MS: String(BUDGET_MS),
  });
  const api = async (method: string, path: string, body?: unknown, token = admin) => {
    const answer = await server.http(method, path, { token, body });
    if (answer.status >= 300) throw new Error(`${method} ${path}: ${answer.text}`);
    return answer.body;
  };
  const createUser = async (username: string, cameraIds: number[]) => (await api('POST', '/api/users', { username, password: `${username}-password`, camera_ids: cameraIds })).id as number;
  const mintToken = async (username: string, cameraId: number) => {
    const bearer = (await server.login(username, `${username}-password`)).bearer;
    return (await api('POST', '/api/tokens', { camera_id: cameraId, label: username }, bearer)) as { id: number; token: string };
  };
  const passwordChecks = (username: string) => server.output.filter((line) => line.includes('"msg":"checked a reader password"') && line.includes(`"user":"${username}"`)).length;
  const read = (via: MediaMtxDriver, user: string, pass: string, path = yard.mtx_path) => via.rtspRead(path, { user, pass }).then(results);
  /**
   * The first read of new credentials: a loaded machine may take longer than the budget for the
   * very first check; the check goes on, and the reader's next try gets its result.
   */
  const admitted = (via: MediaMtxDriver, user: string, pass: string) => eventually(() => read(via, user, pass), (outcome) => outcome.join() === READ_OK.join(), 10000);

  beforeAll(async () => {
    fake = await FakeMediaMtx.start({ pathManager: loop });
    server = await startServer({ env: env() });
    fake.authCallbackUrl = relayAuthAddress(server.url, HOOK_SECRET);
    driver = new MediaMtxDriver({ relayUrl: server.url, hookSecret: HOOK_SECRET, pathManager: loop });
    admin = (await server.login()).bearer;
    yard = await api('POST', '/api/cameras', { name: 'Yard', mtx_path: 'home/yard', source_url: 'rtsp://192.0.2.30/live' });
    porch = await api('POST', '/api/cameras', { name: 'Porch', mtx_path: 'home/porch', source_url: 'rtsp://192.0.2.31/live' });
    second = await startServer({ databaseUrl: server.databaseUrl, env: env() });
    onSecond = new MediaMtxDriver({ relayUrl: second.url, hookSecret: HOOK_SECRET });
  }, 60000);
  afterAll(async () => {
    sockets.forEach((socket) => socket.close());
    await second?.stop();
    await server?.stop();
    await fake?.stop();
  });

  it('checks a password once, however often a reader re-reads (RTSP asks three times a read)', async () => {
    await createUser('watcher', [yard.id]);
    const token = await mintToken('watcher', yard.id);
    await admitted(driver, 'watcher', 'watcher-password');
    await admitted(driver, 'home-assistant', token.token);
    // Usually 1; 2 when the first check was still under way as the user's creation reached the feed.
    const checked = passwordChecks('watcher');
    expect(checked).toBeGreaterThanOrEqual(1);
    expect(checked).toBeLessThanOrEqual(2);
    for (let round = 0; round < 5; round += 1) {
      expect(await read(driver, 'watcher', 'watcher-password')).toEqual(READ_OK);
      expect(await read(driver, 'home-assistant', token.token)).toEqual(READ_OK);
    }
    expect(passwordChecks('watcher')).toBe(checked);
  });

  it('lets known readers in, and refuses a new one within its budget, while the database is stalled; MediaMTX is never held', async () => {
    await createUser('newcomer', [yard.id]);
    const watcherToken = await mintToken('watcher', yard.id);
    await admitted(driver, 'watcher', 'watcher-password');
    await admitted(driver, 'ha', watcherToken.token);
    const blocker = new pg.Client({ connectionString: server.databaseUrl });
    await blocker.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query('LOCK TABLE users, stream_tokens, camera_grants IN ACCESS EXCLUSIVE MODE');

      expect(await unlessHeld(read(driver, 'watcher', 'watcher-password'))).toEqual(READ_OK);
      expect(await unlessHeld(read(driver, 'ha', watcherToken.token))).toEqual(READ_OK);
      // A reader the relay has not seen needs the database: refused, and the path manager free again.
      const newcomer = read(driver, 'newcomer', 'newcomer-password');
      const pathsList = fetch(`${fake.url}/v3/paths/list`, { headers: { authorization: `Basic ${Buffer.from(`mtx-relay:${SERVICE_PASSWORD}`).toString('base64')}` } });
      expect(await unlessHeld(newcomer)).toEqual(READ_REFUSED);
      const listed = await unlessHeld(pathsList);
      expect(listed === 'still waiting' ? listed : listed.status).toBe(200);
      expect(server.output.some((line) => line.includes(`not decided within ${BUDGET_MS} ms`))).toBe(true);
    } finally {
      await blocker.query('ROLLBACK');
      await blocker.end();
    }
    // The check went on once the database answered: the reader's next try is let in, checked once.
    await admitted(driver, 'newcomer', 'newcomer-password');
    const checked = passwordChecks('newcomer');
    expect(await read(driver, 'newcomer', 'newcomer-password')).toEqual(READ_OK);
    expect(passwordChecks('newcomer')).toBe(checked);
  }, 30000);

  it('takes a removed grant, a revoked token, a new password, a disabled or deleted user into account on the very next callback', async () => {
    const id = await createUser('temp', [yard.id]);
    const token = await mintToken('temp', yard.id);
    const warm = async () => {
      await admitted(driver, 'temp', 'temp-password');
      expect(await read(driver, 'temp', 'temp-password')).toEqual(READ_OK);
    };
    await warm();
    await api('PUT', `/api/users/${id}`, { camera_ids: [] });
    expect(await read(driver, 'temp', 'temp-password')).toEqual(READ_REFUSED);
    await api('PUT', `/api/users/${id}`, { camera_ids: [yard.id] });
    await warm();

    await admitted(driver, 'ha', token.token);
    await api('DELETE', `/api/tokens/${token.id}`);
    expect(await read(driver, 'ha', token.token)).toEqual(READ_REFUSED);

    await api('PUT', `/api/users/${id}`, { password: 'temp-password-2' });
    expect(await read(driver, 'temp', 'temp-password')).toEqual(READ_REFUSED);
    await admitted(driver, 'temp', 'temp-password-2');

    await api('PUT', `/api/users/${id}`, { can_login: false });
    expect(await read(driver, 'temp', 'temp-password-2')).toEqual(READ_REFUSED);
    await api('PUT', `/api/users/${id}`, { can_login: true, password: 'temp-password' });
    await warm();
    await api('DELETE', `/api/users/${id}`);
    expect(await read(driver, 'temp', 'temp-password')).toEqual(READ_REFUSED);
  });

  it('and so does a second instance on the same database, as soon as it hears of the change', async () => {
    const id = await createUser('elsewhere', [yard.id]);
    const token = await mintToken('elsewhere', yard.id);
    const refusedThere = (user: string, pass: string) => eventually(() => read(onSecond, user, pass), (outcome) => outcome.join() === READ_REFUSED.join(), 5000);
    const warmThere = async (user: string, pass: string) => {
      await admitted(onSecond, user, pass);
      expect(await read(onSecond, user, pass)).toEqual(READ_OK);
    };
    await warmThere('elsewhere', 'elsewhere-password');
    await api('PUT', `/api/users/${id}`, { camera_ids: [] });
    await refusedThere('elsewhere', 'elsewhere-password');
    await api('PUT', `/api/users/${id}`, { camera_ids: [yard.id] });
    await eventually(() => read(onSecond, 'elsewhere', 'elsewhere-password'), (outcome) => outcome.join() === READ_OK.join(), 5000);

    await warmThere('ha', token.token);
    await api('DELETE', `/api/tokens/${token.id}`);
    await refusedThere('ha', token.token);

    await api('PUT', `/api/users/${id}`, { password: 'elsewhere-password-2' });
    await refusedThere('elsewhere', 'elsewhere-password');
    await admitted(onSecond, 'elsewhere', 'elsewhere-password-2');
  }, 30000);

  it('publishes demand for real readers only, not for page loads and preflights (id null)', async () => {
    await createUser('pager', [porch.id]);
    const token = await mintToken('pager', porch.id);
    const watcher = await connectSocket(server.url, { auth: { token: admin } });
    sockets.push(watcher);
    const demands: Array<{ readerId: unknown }> = [];
    watcher.on('camera:demand', (event: { entity: number; details: { readerId: unknown } }) => {
      if (event.entity === porch.id) demands.push(event.details);
    });
    const query = `token=${token.token}`;
    for (const kind of ['hlsIndex', 'webrtcPage', 'whepOptions'] as const) {
      expect((await driver.pageLoad(kind, porch.mtx_path, { query })).result).toBe('allowed');
    }
    const reader = randomUUID();
    expect((await driver.authenticate({ action: 'read', path: porch.mtx_path, protocol: 'hls', id: reader, query })).result).toBe('allowed');
    await eventually(() => demands.length, (count) => count > 0);
    expect(demands[0].readerId).toBe(reader);
  });

  it('a refused ?token= on an HTTP player makes MediaMTX ask for Basic credentials (the browser prompt)', async () => {
    const refused = await driver.pageLoad('hlsIndex', porch.mtx_path, { query: 'token=mtxs_not-a-token' });
    expect(refused).toMatchObject({ status: 403, result: 'askCredentials', challenge: 'Basic realm="mediamtx"' });
    const bearer = await driver.pageLoad('hlsIndex', porch.mtx_path, { credentials: { token: 'mtxs_not-a-token' } });
    expect(bearer).toMatchObject({ status: 403, result: 'denied' });
    expect(bearer.challenge).toBeUndefined();
  });
});
