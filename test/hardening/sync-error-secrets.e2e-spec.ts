import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { FakeMediaMtx } from '../support/fake-mediamtx/index.js';
import { eventually } from '../support/waiting.js';
import { startServer, type TestServer } from '../support/test-server.js';

const PASSWORD = 'p@ss:word/1';
const TOKEN = 'tok/en+1';
/** Any trace of either secret: plain, percent-encoded once or twice, either case. */
const SECRET_TRACES = [/p(@|%40|%2540)ss/i, /tok(\/|%2f|%252f)en/i];

/**
 * MediaMTX's error texts in its own words, each holding a secret in another form than the source
 * as it was sent (which the relay replaced already): path → the error MediaMTX answers with.
 */
const ERRORS: Record<string, string> = {
  'leak/plain': `authentication failed for user cam user with password ${PASSWORD}`,
  'leak/encoded': 'the camera refused password p%40ss%3aword%2f1 (lower-case hex)',
  'leak/go-userinfo': "invalid source: 'rtsp://cam%20user:p%40ss:word%2F1@192.0.2.30/live'",
  'leak/other-url': `proxy http://cam user:${PASSWORD}@proxy.example/ failed: http://proxy.example/pull?src=rtsp%3A%2F%2Fcam%2520user%3Ap%2540ss%253Aword%252F1%40192.0.2.31`,
  'leak/token': `token ${TOKEN} was not accepted at rtsp://192.0.2.32/live?token=tok%2fen%2b1`,
};

describe('sync_error never carries a credential, however MediaMTX words it', () => {
  let fake: FakeMediaMtx;
  let server: TestServer;
  let admin: string;
  const cameraIds = new Map<string, number>();

  const api = async (method: string, path: string, body?: unknown) => {
    const answer = await server.http(method, path, { token: admin, body });
    if (answer.status >= 300) throw new Error(`${method} ${path}: ${answer.text}`);
    return answer.body;
  };

  beforeAll(async () => {
    fake = await FakeMediaMtx.start();
    server = await startServer({ env: { MEDIAMTX_API_URL: fake.url, MEDIAMTX_RECONCILE_SECONDS: '2', MEDIAMTX_STATUS_CACHE_MS: '0' } });
    admin = (await server.login()).bearer;
    for (const [path, error] of Object.entries(ERRORS)) {
      fake.injectFault({ method: 'POST', path: `/v3/config/paths/add/${path}`, status: 400, body: { status: 'error', error }, times: Infinity });
    }
    const basic = await api('POST', '/api/credentials', { kind: 'basic', username: 'cam user', password: PASSWORD });
    const token = await api('POST', '/api/credentials', { kind: 'token', token: TOKEN });
    for (const [index, path] of Object.keys(ERRORS).entries()) {
      const credentialId = path === 'leak/token' ? token.id : basic.id;
      const camera = await api('POST', '/api/cameras', { name: path, mtx_path: path, source_url: `rtsp://192.0.2.${30 + index}/live`, credential_id: credentialId });
      cameraIds.set(path, camera.id);
    }
  });
  afterAll(async () => {
    await server.stop();
    await fake.stop();
  });

  it.each(Object.keys(ERRORS))('%s: shows the error with the secret redacted', async (path) => {
    const status = await eventually(
      async () => (await api('GET', `/api/cameras/${cameraIds.get(path)}`)).status,
      (value) => value.sync_error !== null,
    );
    expect(status.sync).toBe('pending');
    expect(status.sync_error).toContain('[redacted]');
    for (const trace of SECRET_TRACES) expect(status.sync_error).not.toMatch(trace);
  });

  it('stores none of them, and logs none of them', async () => {
    const client = new pg.Client({ connectionString: server.databaseUrl });
    await client.connect();
    try {
      const { rows } = await client.query<{ last_error: string | null }>('SELECT last_error FROM mediamtx_paths');
      const stored = rows.map((row) => row.last_error ?? '').join('\n');
      expect(stored).toContain('[redacted]');
      for (const trace of SECRET_TRACES) expect(stored).not.toMatch(trace);
    } finally {
      await client.end();
    }
    const logged = server.output.join('\n');
    for (const trace of SECRET_TRACES) expect(logged).not.toMatch(trace);
  });
});
