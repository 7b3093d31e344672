import { createHash } from 'node:crypto';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { record, type Recorder } from './support/events.js';
import { FakeMediaMtx } from './support/fake-mediamtx/index.js';
import { accessTokenOf, FakeTokenEndpoint, type Reply } from './support/fake-token-endpoint.js';
import { connectSocket, startServer, type TestServer } from './support/test-server.js';
import { eventually } from './support/waiting.js';

const HOOK_SECRET = 'hook-secret-for-the-tests-0123456789';
const SERVICE_PASSWORD = 'service-password-for-the-tests-0123';
const SECRETS_KEY = 'cd'.repeat(32);
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

/** Every secret sent to the relay or handed out by the endpoint: none may show in an answer, event or log. */
const SECRETS: string[] = [];
let counter = 0;
const secret = (label: string): string => {
  const value = `${label}-${++counter}-${Math.random().toString(36).slice(2, 10)}`;
  SECRETS.push(value);
  return value;
};

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((done) => (resolve = done));
  return { promise, resolve };
}

/** A URL on a port nothing listens on. */
async function refusingUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}/token`;
}

let fake: FakeMediaMtx;
let endpoint: FakeTokenEndpoint;
let server: TestServer;
let second: TestServer | undefined;
/** Relays started for one test, on databases of their own. */
const others: TestServer[] = [];
let admin = '';
let events: Recorder;
const recorders: Recorder[] = [];

const sharedEnv = () => ({
  MEDIAMTX_API_URL: fake.url,
  MEDIAMTX_HOOK_SECRET: HOOK_SECRET,
  MEDIAMTX_SERVICE_PASSWORD: SERVICE_PASSWORD,
  MEDIAMTX_STATUS_CACHE_MS: '0',
  MEDIAMTX_RECONCILE_SECONDS: '2',
  SECRETS_KEY,
  BACKGROUND_LOCK_RETRY: '1',
  OAUTH2_RETRY_INITIAL: '1',
  OAUTH2_RETRY_MAX: '2',
});

const api = async (method: string, path: string, body?: unknown, on: TestServer = server) => {
  const answer = await on.http(method, path, { token: on === server ? admin : (await on.login()).bearer, body });
  if (answer.status >= 300) throw new Error(`${method} ${path}: ${answer.text}`);
  return answer.body;
};

const oauth2 = (tokenUrl: string, fields: Record<string, unknown> = {}) => ({
  kind: 'oauth2',
  description: `oauth2 ${counter}`,
  client_id: 'relay-client',
  client_secret: secret('client-secret'),
  token_url: tokenUrl,
  refresh_token: secret('refresh-token'),
  ...fields,
});

/** The first `<topic>` event of `entity` after `from` that `match` accepts. */
const nextOf = async (recorder: Recorder, topic: string, entity: number, from = 0, match: (payload: any) => boolean = () => true, ms = 8000) =>
  (await recorder.waitFor(({ event, payload }) => event === topic && payload?.entity === entity && match(payload), from, ms)).payload;

/** Records what an admin's socket on `on` receives from now on. */
const watch = async (on: TestServer): Promise<Recorder> => {
  const recorder = record(await connectSocket(on.url, { auth: { token: (await on.login()).bearer } }));
  recorders.push(recorder);
  return recorder;
};

/** `iso` as milliseconds, once it is shown to lie within [from, to]. */
const within = (iso: string, from: number, to: number): number => {
  expect(iso).toMatch(ISO);
  const at = Date.parse(iso);
  expect(at).toBeGreaterThanOrEqual(from);
  expect(at).toBeLessThanOrEqual(to);
  return at;
};

const sourceOf = async (path: string) => {
  await fake.settled();
  return fake.pathConfig(path)?.source;
};

beforeAll(async () => {
  fake = await FakeMediaMtx.start();
  endpoint = await FakeTokenEndpoint.start();
  server = await startServer({ env: sharedEnv() });
  admin = (await server.login()).bearer;
  events = await watch(server);
});
afterAll(async () => {
  for (const recorder of recorders) recorder.socket.close();
  await second?.stop();
  await server?.stop();
  await endpoint?.stop();
  await fake?.stop();
});

describe('a new oauth2 credential', () => {
  const clientId = 'relay client:1';
  const clientSecret = secret('client s3cret&+=/ü');
  const refreshToken = secret('refresh-token');
  const rotated = secret('rotated-refresh-token');
  const release = deferred();
  let credentialId = 0;
  let query = 0;
  let userinfo = 0;
  let firstExpiresAt = '';
  let firstRefreshAt = '';

  it('gets its first token at once: credentials:authenticated, and the paths of its cameras carry the token', async () => {
    const tokenUrl = endpoint.route('/first', async (_request, index): Promise<Reply> => {
      if (index > 0) return { grant: { expiresIn: 3600, refreshToken: secret('refresh-token') } };
      // Held until the cameras exist, so that they hear of the first token too.
      await release.promise;
      // Long enough that its refresh does not come before this test has looked at the first token.
      return { grant: { accessToken: secret('access-token'), expiresIn: 10, refreshToken: rotated } };
    });
    const created = await api('POST', '/api/credentials', {
      kind: 'oauth2',
      description: 'cloud cameras',
      client_id: clientId,
      client_secret: clientSecret,
      token_url: tokenUrl,
      refresh_token: refreshToken,
      scope: 'cameras:read offline_access',
    });
    credentialId = created.id;
    expect(created).toEqual({
      id: expect.any(Number),
      kind: 'oauth2',
      description: 'cloud cameras',
      client_id: clientId,
      token_url: tokenUrl,
      scope: 'cameras:read offline_access',
      token_auth_method: 'client_secret_basic',
      client_secret_set: true,
      refresh_token_set: true,
      access_token_set: false,
      access_token_expires_at: null,
      auth_state: 'pending',
      auth_error: null,
      next_refresh_at: expect.stringMatching(ISO),
      last_refresh_at: null,
      created_at: expect.stringMatching(ISO),
      updated_at: expect.stringMatching(ISO),
    });
    const from = events.mark();
    await endpoint.waitForRequests('/first', 1);
    query = (await api('POST', '/api/cameras', { name: 'Query', mtx_path: 'cloud/query', source_url: 'rtsp://192.0.2.50/live?channel=1', credential_id: credentialId })).id;
    const camera = await api('POST', '/api/cameras', { name: 'Userinfo', mtx_path: 'cloud/userinfo', source_url: 'rtsp://192.0.2.51:8554/live', credential_id: credentialId, oauth2_token_in: 'userinfo' });
    userinfo = camera.id;
    expect(camera).toMatchObject({ credential_id: credentialId, oauth2_token_in: 'userinfo' });
    // Without a token yet, the sources go in as they are.
    await eventually(() => sourceOf('cloud/userinfo'), (source) => source === 'rtsp://192.0.2.51:8554/live');
    expect((await api('GET', `/api/credentials/${credentialId}`)).last_refresh_at).toBeNull();
    const releasedAt = Date.now();
    release.resolve();

    const authenticated = await nextOf(events, 'credentials:authenticated', credentialId, from);
    expect(authenticated.details).toEqual({ description: 'cloud cameras', kind: 'oauth2', expiresAt: expect.stringMatching(ISO) });
    firstExpiresAt = authenticated.details.expiresAt;
    for (const cameraId of [query, userinfo]) {
      expect((await nextOf(events, 'camera:extended', cameraId, from)).details).toEqual({ name: cameraId === query ? 'Query' : 'Userinfo', expiresAt: firstExpiresAt });
    }
    const token = accessTokenOf(endpoint.requestsTo('/first')[0]);
    expect(await sourceOf('cloud/query')).toBe(`rtsp://192.0.2.50/live?channel=1&access_token=${token}`);
    expect(await sourceOf('cloud/userinfo')).toBe(`rtsp://${token}:${token}@192.0.2.51:8554/live`);

    const view = await api('GET', `/api/credentials/${credentialId}`);
    expect(view).toMatchObject({ auth_state: 'authenticated', auth_error: null, access_token_set: true, access_token_expires_at: firstExpiresAt });
    expect(Date.parse(view.next_refresh_at)).toBeLessThan(Date.parse(firstExpiresAt));
    within(view.last_refresh_at, releasedAt, Date.now());
    firstRefreshAt = view.last_refresh_at;
    expect((await api('GET', `/api/credentials?search=cloud`)).items).toEqual([view]);
    expect((await api('GET', `/api/cameras/${query}`)).status).toMatchObject({ sync: 'ok', sync_error: null });
  });

  it('authenticates the client with HTTP Basic (form-encoded id and secret) and sends the refresh-token grant', () => {
    const [request] = endpoint.requestsTo('/first');
    expect(request.method).toBe('POST');
    expect(request.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(request.basic).toEqual({ clientId, clientSecret });
    expect(request.form).toEqual({ grant_type: 'refresh_token', refresh_token: refreshToken, scope: 'cameras:read offline_access' });
  });

  it('refreshes before the token expires with the rotated refresh token: credentials:reauthenticated, new token in the paths', async () => {
    const reauthenticated = await nextOf(events, 'credentials:reauthenticated', credentialId, 0, () => true, 15_000);
    expect(reauthenticated.details).toEqual({ description: 'cloud cameras', kind: 'oauth2', expiresAt: expect.stringMatching(ISO) });
    expect(Date.parse(reauthenticated.details.expiresAt)).toBeGreaterThan(Date.parse(firstExpiresAt));
    const requests = endpoint.requestsTo('/first');
    expect(requests).toHaveLength(2);
    expect(requests[1].form.refresh_token).toBe(rotated);
    const mark = events.events.findIndex(({ payload }) => payload === reauthenticated);
    for (const cameraId of [query, userinfo]) {
      expect((await nextOf(events, 'camera:extended', cameraId, mark)).details.expiresAt).toBe(reauthenticated.details.expiresAt);
    }
    const token = accessTokenOf(requests[1]);
    expect(await sourceOf('cloud/query')).toBe(`rtsp://192.0.2.50/live?channel=1&access_token=${token}`);
    expect(await sourceOf('cloud/userinfo')).toBe(`rtsp://${token}:${token}@192.0.2.51:8554/live`);
    const view = await api('GET', `/api/credentials/${credentialId}`);
    expect(view).toMatchObject({ auth_state: 'authenticated', access_token_expires_at: reauthenticated.details.expiresAt });
    expect(within(view.last_refresh_at, requests[1].at, Date.now())).toBeGreaterThan(Date.parse(firstRefreshAt));
  });

  it('a camera switched to the other token place gets its path rewritten', async () => {
    const token = accessTokenOf(endpoint.requestsTo('/first')[1]);
    await api('PUT', `/api/cameras/${query}`, { oauth2_token_in: 'userinfo' });
    await eventually(() => sourceOf('cloud/query'), (source) => source === `rtsp://${token}:${token}@192.0.2.50/live?channel=1`);
  });

  it('with client_secret_post sends the client credentials in the body, and a change of method asks for a token at once', async () => {
    const tokenUrl = endpoint.route('/post', [{ grant: { expiresIn: 3600 } }]);
    const fields = oauth2(tokenUrl, { token_auth_method: 'client_secret_post' });
    const created = await api('POST', '/api/credentials', fields);
    expect(created.token_auth_method).toBe('client_secret_post');
    await nextOf(events, 'credentials:authenticated', created.id);
    const [request] = endpoint.requestsTo('/post');
    expect(request.headers.authorization).toBeUndefined();
    expect(request.form).toEqual({ grant_type: 'refresh_token', refresh_token: fields.refresh_token, client_id: 'relay-client', client_secret: fields.client_secret });

    const from = events.mark();
    const updated = await api('PUT', `/api/credentials/${created.id}`, { token_auth_method: 'client_secret_basic' });
    expect(updated.token_auth_method).toBe('client_secret_basic');
    await nextOf(events, 'credentials:reauthenticated', created.id, from);
    const requests = endpoint.requestsTo('/post');
    expect(requests).toHaveLength(2);
    expect(requests[1].basic).toEqual({ clientId: 'relay-client', clientSecret: fields.client_secret });
    expect(requests[1].form).toEqual({ grant_type: 'refresh_token', refresh_token: fields.refresh_token });
    await api('DELETE', `/api/credentials/${created.id}`);
  });
});

describe('a refresh that fails', () => {
  let flaky = { credentialId: 0, cameraId: 0 };

  it('is unauthenticated without secrets, retried with backoff, and recovers', async () => {
    const fields = oauth2('');
    const echo = (request: { form: Record<string, string> }): Reply => ({
      error: 'invalid_grant',
      // Some endpoints quote what they were sent.
      description: `Token ${request.form.refresh_token} (client secret ${fields.client_secret}) has been expired or revoked`,
    });
    fields.token_url = endpoint.route('/flaky', (request, index) => (index === 1 || index === 2 ? echo(request) : { grant: { expiresIn: 3600 } }));
    const credential = await api('POST', '/api/credentials', fields);
    await nextOf(events, 'credentials:authenticated', credential.id);
    const lastRefreshAt = (await api('GET', `/api/credentials/${credential.id}`)).last_refresh_at;
    within(lastRefreshAt, endpoint.requestsTo('/flaky')[0].at, Date.now());
    const camera = await api('POST', '/api/cameras', { name: 'Flaky', mtx_path: 'cloud/flaky', source_url: 'rtsp://192.0.2.52/live', credential_id: credential.id });
    const firstToken = accessTokenOf(endpoint.requestsTo('/flaky')[0]);
    await eventually(() => sourceOf('cloud/flaky'), (source) => source === `rtsp://192.0.2.52/live?access_token=${firstToken}`);

    const from = events.mark();
    await api('PUT', `/api/credentials/${credential.id}`, { scope: 'cameras' });
    const error = 'invalid_grant: Token [redacted] (client secret [redacted]) has been expired or revoked';
    const first = await nextOf(events, 'credentials:unauthenticated', credential.id, from);
    expect(first.details).toEqual({ description: fields.description, kind: 'oauth2', error, attempts: 1, retryAt: expect.stringMatching(ISO) });
    expect((await nextOf(events, 'camera:failed-extension', camera.id, from)).details).toEqual({ name: 'Flaky', error });
    const stored = await api('GET', `/api/credentials/${credential.id}`);
    // A failed refresh keeps when the token was last refreshed.
    expect(stored).toMatchObject({ auth_state: 'unauthenticated', auth_error: error, last_refresh_at: lastRefreshAt });
    // The retry is due then; once it has started, its lease ends later.
    expect(Date.parse(stored.next_refresh_at)).toBeGreaterThanOrEqual(Date.parse(first.details.retryAt));

    const again = await nextOf(events, 'credentials:unauthenticated', credential.id, from, (payload) => payload.details.attempts === 2);
    expect(again.details.error).toBe(error);
    // The wait doubles: OAUTH2_RETRY_INITIAL (1 s), then 2 s.
    const waited = (payload: any) => Date.parse(payload.details.retryAt) - Date.parse(payload.at);
    expect(waited(first)).toBeGreaterThan(500);
    expect(waited(first)).toBeLessThanOrEqual(1000);
    expect(waited(again)).toBeGreaterThan(1500);
    expect(waited(again)).toBeLessThanOrEqual(2000);

    const recovered = await nextOf(events, 'credentials:authenticated', credential.id, from);
    expect(recovered.details).toEqual({ description: fields.description, kind: 'oauth2', expiresAt: expect.stringMatching(ISO), recovered: true });
    const requests = endpoint.requestsTo('/flaky');
    expect(requests).toHaveLength(4);
    expect(requests[2].at - requests[1].at).toBeGreaterThanOrEqual(900);
    expect(requests[3].at - requests[2].at).toBeGreaterThanOrEqual(1900);
    expect(requests.slice(1).map((request) => request.form.scope)).toEqual(['cameras', 'cameras', 'cameras']);
    expect((await nextOf(events, 'camera:extended', camera.id, from)).details.expiresAt).toBe(recovered.details.expiresAt);
    expect(await sourceOf('cloud/flaky')).toBe(`rtsp://192.0.2.52/live?access_token=${accessTokenOf(requests[3])}`);
    const recoveredView = await api('GET', `/api/credentials/${credential.id}`);
    expect(recoveredView).toMatchObject({ auth_state: 'authenticated', auth_error: null });
    within(recoveredView.last_refresh_at, requests[3].at, Date.now());
    flaky = { credentialId: credential.id, cameraId: camera.id };
  });

  it('a new token MediaMTX does not take is a camera:failed-extension without the source or the token', async () => {
    const from = events.mark();
    // MediaMTX quotes the source it refuses; the relay takes its credential out, the camera event the rest.
    // Refused until the event is in, or a reconciliation pass could take the one refusal first.
    fake.injectFault({ method: 'POST', path: '/v3/config/paths/replace/cloud/flaky', status: 400, body: { status: 'error', error: "invalid source: 'rtsp://192.0.2.52/live'" }, times: Infinity });
    await api('PUT', `/api/credentials/${flaky.credentialId}`, { scope: 'cameras:all' });
    const reauthenticated = await nextOf(events, 'credentials:reauthenticated', flaky.credentialId, from);
    const failed = await nextOf(events, 'camera:failed-extension', flaky.cameraId, from);
    expect(failed.details).toEqual({ name: 'Flaky', error: "the new token is not applied yet: MediaMTX refused POST /v3/config/paths/replace/cloud/flaky: 400 invalid source: '<source>'" });
    fake.clearFaults();
    // The next reconciliation puts the path in.
    const token = accessTokenOf(endpoint.requestsTo('/flaky')[4]);
    await eventually(() => sourceOf('cloud/flaky'), (source) => source === `rtsp://192.0.2.52/live?access_token=${token}`);
    expect(Date.parse(reauthenticated.details.expiresAt)).toBeGreaterThan(Date.now());
  });
});

describe('a token endpoint that misbehaves', () => {
  it('makes the credential unauthenticated with a clear error, and the relay keeps running', async () => {
    const cases: Array<{ url: string; error: string }> = [
      {
        url: endpoint.route('/html', [{ status: 500, contentType: 'text/html; charset=utf-8', body: '<html><body><h1>Internal Server Error</h1></body></html>' }]),
        error: 'token endpoint answered HTTP 500 with a text/html body, not JSON',
      },
      { url: endpoint.route('/text', [{ status: 200, body: 'all good' }]), error: 'token endpoint answered HTTP 200 with a text/plain body, not JSON' },
      { url: endpoint.route('/no-token', [{ status: 200, contentType: 'application/json', body: '{"token_type":"Bearer","expires_in":60}' }]), error: 'token endpoint answer has no access_token' },
      { url: endpoint.route('/not-an-object', [{ status: 200, contentType: 'application/json', body: '[1,2,3]' }]), error: 'token endpoint answer has no access_token' },
      { url: endpoint.route('/redirect', [{ status: 302, body: '' }]), error: 'token endpoint answered HTTP 302, a redirect, which is not followed: set token_url to where it points' },
      { url: await refusingUrl(), error: 'token endpoint unreachable: connection refused (ECONNREFUSED)' },
    ];
    const ids: number[] = [];
    for (const { url, error } of cases) {
      const { id } = await api('POST', '/api/credentials', oauth2(url));
      ids.push(id);
      expect((await nextOf(events, 'credentials:unauthenticated', id)).details.error).toBe(error);
      expect(await api('GET', `/api/credentials/${id}`)).toMatchObject({ auth_state: 'unauthenticated', auth_error: error, access_token_set: false, last_refresh_at: null });
    }
    // OAUTH2_RETRY_MAX (2 s) caps the doubling: the third wait is 2 s, not 4 s.
    const third = await nextOf(events, 'credentials:unauthenticated', ids[0], 0, (payload) => payload.details.attempts === 3);
    expect(Date.parse(third.details.retryAt) - Date.parse(third.at)).toBeLessThanOrEqual(2000);
    for (const id of ids) await api('DELETE', `/api/credentials/${id}`);

    expect(server.process.exitCode).toBeNull();
    expect((await server.http('GET', '/api/health')).status).toBe(200);
  });
});

describe('a relay of its own, with OAUTH2_REQUEST_TIMEOUT=1', () => {
  let own: TestServer;
  let ownEvents: Recorder;

  beforeAll(async () => {
    own = await startServer({ env: { ...sharedEnv(), OAUTH2_REQUEST_TIMEOUT: '1' } });
    others.push(own);
    ownEvents = await watch(own);
  });
  afterAll(async () => {
    await own.stop();
  });

  it('gives a token endpoint that never answers that long, then makes the credential unauthenticated', async () => {
    const { id } = await api('POST', '/api/credentials', oauth2(endpoint.route('/hang', ['hang'])), own);
    const [request] = await endpoint.waitForRequests('/hang', 1);
    const error = 'token endpoint did not answer within 1 s';
    const failed = await nextOf(ownEvents, 'credentials:unauthenticated', id, 0, () => true, 6000);
    expect(failed.details.error).toBe(error);
    // Given up once the configured second had passed, not at once (the two clocks are the relay's and this process's: a loose bound).
    expect(Date.parse(failed.at) - request.at).toBeGreaterThanOrEqual(500);
    expect(await api('GET', `/api/credentials/${id}`, undefined, own)).toMatchObject({ auth_state: 'unauthenticated', auth_error: error, access_token_set: false });
    await api('DELETE', `/api/credentials/${id}`, undefined, own);
  });

  it('a credential whose stored secrets no configured key opens is unauthenticated, saying why without a secret', async () => {
    const fields = oauth2(endpoint.route('/rekeyed', [{ grant: { expiresIn: 3 } }]));
    const { id } = await api('POST', '/api/credentials', fields, own);
    const camera = await api('POST', '/api/cameras', { name: 'Rekeyed', mtx_path: 'cloud/rekeyed', source_url: 'rtsp://192.0.2.53/live', credential_id: id }, own);
    await nextOf(ownEvents, 'credentials:authenticated', id);
    await own.stop();

    // Another SECRETS_KEY, and not the one the secrets were stored under: the refresh due in seconds cannot be made.
    const rekeyed = await startServer({ databaseUrl: own.databaseUrl, env: { ...sharedEnv(), SECRETS_KEY: 'ef'.repeat(32) } });
    others.push(rekeyed);
    try {
      const rekeyedEvents = await watch(rekeyed);
      const storedUnder = createHash('sha256').update(Buffer.from(SECRETS_KEY, 'hex')).digest('hex').slice(0, 12);
      const error = `the stored secrets cannot be decrypted: a stored secret is encrypted with key ${storedUnder}, which is not configured (SECRETS_KEY / SECRETS_OLD_KEYS)`;
      expect((await nextOf(rekeyedEvents, 'credentials:unauthenticated', id, 0, () => true, 10000)).details.error).toBe(error);
      expect((await nextOf(rekeyedEvents, 'camera:failed-extension', camera.id)).details).toEqual({ name: 'Rekeyed', error });
      expect(await api('GET', `/api/credentials/${id}`, undefined, rekeyed)).toMatchObject({ auth_state: 'unauthenticated', auth_error: error, access_token_set: true });
      // Nothing went to the token endpoint without the secrets.
      expect(endpoint.requestsTo('/rekeyed')).toHaveLength(1);
      expect(rekeyed.process.exitCode).toBeNull();
    } finally {
      await rekeyed.stop();
    }
  });
});

describe('two instances on one database', () => {
  const leads = (instance: TestServer) => instance.output.some((line) => line.includes('now runs the background work'));
  const refreshed = (instance: TestServer, id: number) => instance.output.filter((line) => line.includes('oauth2 access token refreshed') && JSON.parse(line).credentialId === id).length;
  const countOf = (recorder: Recorder, topic: string, entity: number) => recorder.events.filter(({ event, payload }) => event === topic && payload?.entity === entity).length;
  let onSecond: Recorder;
  let credentialId = 0;
  let firstRefreshToken = '';

  beforeAll(async () => {
    second = await startServer({ databaseUrl: server.databaseUrl, env: sharedEnv() });
    onSecond = await watch(second);
  });

  /** Each refresh must present the refresh token the one before it was handed: a refresh done twice would repeat one. */
  const expectEachRefreshOnce = () => {
    const requests = endpoint.requestsTo('/shared');
    requests.forEach((request, index) => expect(request.form.refresh_token).toBe(index === 0 ? firstRefreshToken : `shared-rotated-${index}`));
    return requests.length;
  };

  it('refreshes each token once, on the instance that runs background work, and both deliver its events', async () => {
    expect(leads(server)).toBe(true);
    expect(leads(second!)).toBe(false);
    const tokenUrl = endpoint.route('/shared', (_request, index) => ({ grant: { expiresIn: 2, refreshToken: `shared-rotated-${index + 1}` } }));
    SECRETS.push(...Array.from({ length: 30 }, (_, index) => `shared-rotated-${index + 1}`));
    // Made through the instance that does not refresh: the other hears of it through the event log.
    const fields = oauth2(tokenUrl);
    firstRefreshToken = fields.refresh_token;
    credentialId = (await api('POST', '/api/credentials', fields, second)).id;
    await nextOf(onSecond, 'credentials:authenticated', credentialId);
    await eventually(() => countOf(onSecond, 'credentials:reauthenticated', credentialId), (count) => count >= 3);
    expect(expectEachRefreshOnce()).toBeGreaterThanOrEqual(4);
    expect(refreshed(server, credentialId)).toBeGreaterThanOrEqual(4);
    expect(refreshed(second!, credentialId)).toBe(0);
    // The same events, with the same seq, on both instances (each delivers in its own time).
    await eventually(() => countOf(events, 'credentials:reauthenticated', credentialId), (count) => count >= 3);
    const onFirst = events.events.filter(({ event, payload }) => event === 'credentials:reauthenticated' && payload.entity === credentialId).slice(0, 3).map(({ payload }) => payload);
    const fromSecond = onSecond.events.filter(({ event, payload }) => event === 'credentials:reauthenticated' && payload.entity === credentialId).slice(0, 3).map(({ payload }) => payload);
    expect(fromSecond).toEqual(onFirst);
  });

  it('the other instance takes over when the one refreshing stops, still once per refresh', async () => {
    const before = endpoint.requestsTo('/shared').length;
    await server.stop();
    await eventually(() => leads(second!), (taken) => taken);
    const seen = countOf(onSecond, 'credentials:reauthenticated', credentialId);
    await eventually(() => countOf(onSecond, 'credentials:reauthenticated', credentialId), (count) => count >= seen + 2);
    expect(refreshed(second!, credentialId)).toBeGreaterThanOrEqual(1);
    expect(expectEachRefreshOnce()).toBeGreaterThan(before);
  });
});

/** Every row of every table, as text. */
async function databaseText(databaseUrl: string): Promise<string> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const tables = await client.query<{ table_name: string }>(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`);
    const rows = await Promise.all(tables.rows.map(({ table_name }) => client.query<{ row: string }>(`SELECT row_to_json(t)::text AS row FROM "${table_name}" t`)));
    return rows.flatMap((result) => result.rows.map(({ row }) => row)).join('\n');
  } finally {
    await client.end();
  }
}

describe('nothing leaks', () => {
  it('no socket event, log line or table holds a client secret, refresh token or access token', async () => {
    const handedOut = endpoint.requests.filter((request) => request.reply !== undefined && request.reply !== 'hang' && 'grant' in request.reply).map(accessTokenOf);
    expect(handedOut.length).toBeGreaterThan(10);
    const stored = await databaseText(server.databaseUrl);
    expect(stored).toContain('reauthenticated');
    const outputs = [server, second, ...others].flatMap((relay) => relay?.output ?? []);
    const text = [...recorders.flatMap((recorder) => recorder.events.map((received) => JSON.stringify(received))), ...outputs, stored].join('\n');
    expect(text).toContain('credentials:reauthenticated');
    for (const value of [...SECRETS, ...handedOut]) expect(text).not.toContain(value);
  });
});
