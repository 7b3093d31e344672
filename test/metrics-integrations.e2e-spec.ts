import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { FakeMediaMtx, MediaMtxDriver } from './support/fake-mediamtx/index.js';
import { FakeTokenEndpoint, type Reply } from './support/fake-token-endpoint.js';
import { METRICS_TOKEN, scrape, valueOf } from './support/metrics.js';
import { startServer, type TestServer } from './support/test-server.js';
import { eventually } from './support/waiting.js';

const HOOK_SECRET = 'hook-secret-for-the-metrics-tests-0123';
const SERVICE_PASSWORD = 'service-password-for-the-metrics-0123';

/** The metrics of what the relay does to MediaMTX and to OAuth2 token endpoints. */
describe('MediaMTX kick and OAuth2 refresh metrics', () => {
  let fake: FakeMediaMtx;
  let endpoint: FakeTokenEndpoint;
  let server: TestServer;
  let admin = '';

  beforeAll(async () => {
    fake = await FakeMediaMtx.start();
    endpoint = await FakeTokenEndpoint.start();
    server = await startServer({
      env: { METRICS_TOKEN, MEDIAMTX_API_URL: fake.url, MEDIAMTX_HOOK_SECRET: HOOK_SECRET, MEDIAMTX_SERVICE_PASSWORD: SERVICE_PASSWORD },
    });
    admin = (await server.login()).bearer;
  }, 60000);
  afterAll(async () => {
    await server?.stop();
    await endpoint?.stop();
    await fake?.stop();
  });

  const api = async (method: string, path: string, body?: unknown, token = admin) => {
    const answer = await server.http(method, path, { token, body });
    if (answer.status >= 300) throw new Error(`${method} ${path}: ${answer.text}`);
    return answer.body;
  };
  const moved = (before: string, after: string, name: string, labels: Record<string, string>) => valueOf(after, name, labels) - valueOf(before, name, labels);

  it('counts the reader sessions a revoked stream token ended, did not find, or failed to end', async () => {
    const camera = await api('POST', '/api/cameras', { name: 'Kicked porch', mtx_path: 'kicked-porch', source_url: 'rtsp://192.0.2.61/live' });
    await api('POST', '/api/users', { username: 'kicked-viewer', password: 'viewer-password-1', camera_ids: [camera.id] });
    const viewer = (await server.login('kicked-viewer', 'viewer-password-1')).bearer;
    await eventually(() => fake.pathConfigNames(), (names) => names.includes('kicked-porch'));
    fake.setAvailable('kicked-porch');
    const driver = new MediaMtxDriver({ relayUrl: server.url, hookSecret: HOOK_SECRET });

    /** A stream token, and an HLS reader of the camera that MediaMTX lists and the relay let in with it. */
    const reader = async (label: string) => {
      const minted = await api('POST', '/api/tokens', { camera_id: camera.id, label }, viewer);
      const session = fake.addSession('hlssessions', { path: 'kicked-porch' });
      const outcome = await driver.authenticate({ action: 'read', path: 'kicked-porch', protocol: 'hls', id: session.id, credentials: { user: 'kicked-viewer', pass: minted.token } });
      expect(outcome.status).toBe(200);
      return { tokenId: minted.id as number, sessionId: session.id };
    };
    const ended = await reader('ended');
    const gone = await reader('gone');
    const failing = await reader('failing');
    fake.endSession(gone.sessionId);
    fake.injectFault({ method: 'POST', path: `/v3/hlssessions/kick/${failing.sessionId}`, status: 500, body: { status: 'error', error: 'busy' }, times: Infinity });

    const before = await scrape(server);
    const kicked: number[] = [];
    for (const { tokenId } of [ended, gone, failing]) kicked.push((await api('DELETE', `/api/tokens/${tokenId}`, undefined, viewer)).kicked);
    expect(kicked).toEqual([1, 0, 0]);
    const after = await scrape(server);
    const kicks = (outcome: string) => moved(before, after, 'mtx_relay_mediamtx_kicks_total', { outcome });
    expect({ ended: kicks('ended'), notFound: kicks('not_found'), failed: kicks('failed') }).toEqual({ ended: 1, notFound: 1, failed: 1 });
    fake.clearFaults();
  });

  it('counts OAuth2 token refreshes that succeeded, failed, and were dropped because the credential went away meanwhile', async () => {
    const before = await scrape(server);
    const refreshes = (text: string, outcome: string) => moved(before, text, 'mtx_relay_oauth2_refreshes_total', { outcome });
    const credential = (path: string, replies: Reply[] | ((request: unknown, index: number) => Promise<Reply>)) =>
      api('POST', '/api/credentials', {
        kind: 'oauth2',
        description: `metrics ${path}`,
        client_id: 'relay-client',
        client_secret: `client-secret-${path.slice(1)}`,
        token_url: endpoint.route(path, replies),
        refresh_token: `refresh-token-${path.slice(1)}`,
      });

    await credential('/granted', [{ grant: { expiresIn: 3600 } }]);
    await credential('/refused', [{ error: 'invalid_grant', description: 'the refresh token was revoked' }]);
    let answer: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (answer = resolve));
    const deleted = await credential('/held', async () => {
      await held;
      return { grant: { expiresIn: 3600 } };
    });
    await endpoint.waitForRequests('/held', 1);
    await api('DELETE', `/api/credentials/${deleted.id}`);
    answer();

    const after = await eventually(
      () => scrape(server),
      (text) => refreshes(text, 'succeeded') >= 1 && refreshes(text, 'failed') >= 1 && refreshes(text, 'dropped') >= 1,
    );
    expect(refreshes(after, 'succeeded')).toBe(1);
    expect(refreshes(after, 'dropped')).toBe(1);
    // A refused refresh is retried (after 5 s, then longer): one failure or more by now.
    expect(refreshes(after, 'failed')).toBeGreaterThanOrEqual(1);
  });
});
