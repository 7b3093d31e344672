import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { MediaMtxDriver, type AuthOutcome, type AuthRequestBody } from '../support/fake-mediamtx/index.js';
import { ADMIN_PASSWORD, startServer, type TestServer } from '../support/test-server.js';
import { eventually } from '../support/waiting.js';

const HOOK_SECRET = 'hook-secret-for-the-callback-tests-0123';
const LOGINS_PER_MINUTE = 20;
// The account backoff: free failures, then waits of 1 s, 2 s, 4 s... (set here, not left to the default).
const FREE_ATTEMPTS = 5;
/** The wait under way when the right password is tried: far longer than the few requests between. */
const WAIT_WHEN_RIGHT_PASSWORD_S = 4;

/** Seconds since `started` (a Date.now()); every step between was within them. */
const secondsSince = (started: number) => (Date.now() - started) / 1000;
/** The most failures the backoff counts in `seconds`: the free ones, then one per doubled wait (1 s, 2 s, 4 s...) that fits. */
const mostBackoffChecks = (seconds: number) => FREE_ATTEMPTS + Math.floor(Math.log2(seconds + 1));

const results = (outcomes: AuthOutcome[]) => outcomes.map((outcome) => outcome.result);
const READ_OK = ['askCredentials', 'allowed', 'allowed'];

describe('the MediaMTX auth callback cannot be used to guess passwords or lock logins', () => {
  let server: TestServer;
  let driver: MediaMtxDriver;
  let admin: string;
  let path: string;

  const readBody = (user: string, password: string, ip: string): AuthRequestBody => ({
    ip,
    user,
    password,
    token: password,
    action: 'read',
    path,
    protocol: 'rtsp',
    id: crypto.randomUUID(),
    query: '',
    userAgent: '',
  });
  const callDirectly = (body: unknown, query = '', headers: Record<string, string> = {}) => server.http('POST', `/api/mediamtx/auth${query}`, { body, headers });
  const passwordChecks = (user: string | RegExp) =>
    server.output.filter((line) => line.includes('"msg":"checked a reader password"') && (typeof user === 'string' ? line.includes(`"user":"${user}"`) : user.test(line))).length;
  const createUser = async (username: string) => {
    const answer = await server.http('POST', '/api/users', { token: admin, body: { username, password: `${username}-password`, camera_ids: [] } });
    expect(answer.status).toBe(201);
    const camera = (await server.http('GET', '/api/cameras', { token: admin })).body.items[0].id;
    await server.http('PUT', `/api/users/${answer.body.id}`, { token: admin, body: { camera_ids: [camera] } });
  };

  beforeAll(async () => {
    server = await startServer({
      // Verified credentials stay in memory for the whole spec, however slowly it runs.
      env: { MEDIAMTX_HOOK_SECRET: HOOK_SECRET, LOGIN_RATE_PER_MINUTE: String(LOGINS_PER_MINUTE), LOGIN_FREE_ATTEMPTS: String(FREE_ATTEMPTS), MEDIAMTX_AUTH_CACHE_SECONDS: '1h' },
    });
    driver = new MediaMtxDriver({ relayUrl: server.url, hookSecret: HOOK_SECRET });
    admin = (await server.login()).bearer;
    const camera = await server.http('POST', '/api/cameras', { token: admin, body: { name: 'Gate', mtx_path: 'gate', source_url: 'rtsp://192.0.2.40/live' } });
    path = camera.body.mtx_path;
  }, 60000);
  afterAll(async () => {
    await server?.stop();
  });

  it('refuses every caller but MediaMTX, unchecked: no secret, a wrong one, or one outside the URL', async () => {
    await createUser('victim');
    const right = readBody('victim', 'victim-password', '192.0.2.1');
    for (const [query, headers] of [['', {}], ['?secret=not-the-secret-0123456789', {}], ['', { 'x-hook-secret': HOOK_SECRET }]] as const) {
      const answer = await callDirectly(right, query, headers);
      expect(answer.status).toBe(401);
      expect(answer.body.error.code).toBe('unauthorized');
    }
    // 40 guesses, each from a new address, then the right password: none reaches a check.
    for (let guess = 0; guess < 40; guess += 1) {
      expect((await callDirectly(readBody('victim', `guess-${guess}`, `198.51.100.${guess + 1}`))).status).toBe(401);
    }
    expect((await callDirectly(right)).status).toBe(401);
    expect(passwordChecks('victim')).toBe(0);
    expect(server.output.some((line) => line.includes('refused an auth callback that is not from MediaMTX'))).toBe(true);
    // MediaMTX, with the secret in authHTTPAddress, is heard.
    await eventually(() => driver.rtspRead(path, { user: 'victim', pass: 'victim-password' }).then(results), (outcome) => outcome.join() === READ_OK.join());
  });

  it('checks the caller before the body, answers a bad body in the API error shape, and never logs the secret', async () => {
    const secret = `?secret=${HOOK_SECRET}`;
    const stranger = await callDirectly({ action: 42 });
    expect({ status: stranger.status, code: stranger.body.error.code }).toEqual({ status: 401, code: 'unauthorized' });
    const bad = await callDirectly({ action: 42, user: ['x'] }, secret);
    expect(bad.status).toBe(400);
    expect(bad.body).toEqual({
      error: { status: 400, code: 'validation_failed', message: expect.any(String), details: expect.arrayContaining([expect.objectContaining({ path: 'action' }), expect.objectContaining({ path: 'user' })]), context: {} },
    });
    expect((await callDirectly(undefined, secret)).body.error.code).toBe('validation_failed');
    // A trailing slash and more in the query reach the same route; the secret twice is not the secret.
    const page = { action: 'read', path, protocol: 'rtsp', ip: '192.0.2.1', id: null };
    const trailing = await callDirectly(page, `/${secret}&other=1`);
    expect({ status: trailing.status, message: trailing.body.error.message }).toEqual({ status: 401, message: 'credentials required' });
    const twice = await callDirectly(page, `${secret}&secret=${HOOK_SECRET}`);
    expect({ status: twice.status, code: twice.body.error.code }).toEqual({ status: 401, code: 'unauthorized' });
    expect(server.output.filter((line) => line.includes(HOOK_SECRET))).toEqual([]);
  });

  it("keeps readers' password checks apart from REST logins: readers cannot lock the admin out", async () => {
    // More than the address's whole budget of logins, from the admin's own address.
    const started = Date.now();
    for (let attempt = 0; attempt < LOGINS_PER_MINUTE + 10; attempt += 1) {
      await driver.authRequest(readBody(`nobody-${attempt}`, 'wrong-password', '127.0.0.1'));
    }
    const login = await server.http('POST', '/api/auth', { body: { username: 'admin', password: ADMIN_PASSWORD } });
    expect(login.status).toBe(200);
    // The address's own reader budget is spent: the next check from it is refused without one.
    expect(await driver.authRequest(readBody('nobody-more', 'wrong-password', '127.0.0.1'))).toBe(403);
    // The budget refills a little while they run (LOGINS_PER_MINUTE a minute), however long that is.
    expect(passwordChecks(/"user":"nobody-/)).toBeLessThanOrEqual(LOGINS_PER_MINUTE + Math.floor((secondsSince(started) / 60) * LOGINS_PER_MINUTE));
  });

  it('does not charge credentials that just verified, from any address', async () => {
    await createUser('regular');
    await eventually(() => driver.rtspRead(path, { user: 'regular', pass: 'regular-password' }, { ip: '203.0.113.7' }).then(results), (outcome) => outcome.join() === READ_OK.join());
    const checked = passwordChecks('regular');
    expect(checked).toBeGreaterThanOrEqual(1);
    for (let read = 0; read < LOGINS_PER_MINUTE + 5; read += 1) {
      expect(results(await driver.rtspRead(path, { user: 'regular', pass: 'regular-password' }, { ip: '203.0.113.7' }))).toEqual(READ_OK);
    }
    // Even from the address whose reader budget the guesses above spent.
    expect(results(await driver.rtspRead(path, { user: 'regular', pass: 'regular-password' }, { ip: '127.0.0.1' }))).toEqual(READ_OK);
    expect(passwordChecks('regular')).toBe(checked);
  });

  it("slows guesses at one account through MediaMTX from a new address each time, without touching the account's REST login", async () => {
    await createUser('target');
    const guess = (index: number, ip: string) => driver.rtspRead(path, { user: 'target', pass: `guess-${index}` }, { ip });
    const started = Date.now();
    for (let index = 0; index < 40; index += 1) await guess(index, `198.51.100.${index + 1}`);
    expect(passwordChecks('target')).toBeLessThanOrEqual(mostBackoffChecks(secondsSince(started)));
    // Guess on until a check begins a wait of WAIT_WHEN_RIGHT_PASSWORD_S or more: the right password comes within it.
    const before = passwordChecks('target');
    let more = 0;
    await eventually(
      async () => {
        more += 1;
        await guess(40 + more, `198.18.${Math.floor(more / 250)}.${(more % 250) + 1}`);
        return passwordChecks('target');
      },
      (checks) => checks > before && 2 ** (checks - FREE_ATTEMPTS) >= WAIT_WHEN_RIGHT_PASSWORD_S,
      30000,
      100,
    );
    const checked = passwordChecks('target');
    // The account's reader backoff holds: even the right password is not checked.
    expect(results(await driver.rtspRead(path, { user: 'target', pass: 'target-password' }, { ip: '198.51.100.99' }))).toEqual(['askCredentials', 'denied']);
    expect(passwordChecks('target')).toBe(checked);
    expect((await server.http('POST', '/api/auth', { body: { username: 'target', password: 'target-password' } })).status).toBe(200);
  });
});

describe('the auth callback with MEDIAMTX_AUTH_ALLOW_FROM', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startServer({ env: { MEDIAMTX_HOOK_SECRET: HOOK_SECRET, MEDIAMTX_AUTH_ALLOW_FROM: '10.0.0.0/8, 127.0.0.0/8' } });
  }, 60000);
  afterAll(async () => {
    await server?.stop();
  });

  it('hears a caller from an allowed address without the secret', async () => {
    const answer = await server.http('POST', '/api/mediamtx/auth', { body: { action: 'read', path: 'gate', protocol: 'rtsp', ip: '192.0.2.1', id: null } });
    expect(answer.status).toBe(401);
    expect(answer.body.error.message).toBe('credentials required');
  });
});
