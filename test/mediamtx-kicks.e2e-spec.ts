import { expect, it } from '@jest/globals';
import { FakeMediaMtx, MediaMtxDriver, READER_TYPE, type AuthProtocol, type SessionKind } from './support/fake-mediamtx/index.js';
import { eventually } from './support/waiting.js';
import { startServer } from './support/test-server.js';

const HOOK_SECRET = 'hook-secret-for-the-tests-0123456789';
const SERVICE_PASSWORD = 'service-password-for-the-tests-0123';

/** The auth callback's `protocol` for each kind: RTSPS and RTMPS readers say `rtsp` and `rtmp` (internal/auth/request.go). */
const PROTOCOL: Record<SessionKind, AuthProtocol> = {
  rtspsessions: 'rtsp',
  rtspssessions: 'rtsp',
  rtmpconns: 'rtmp',
  rtmpsconns: 'rtmp',
  hlssessions: 'hls',
  webrtcsessions: 'webrtc',
  srtconns: 'srt',
  moqsessions: 'moq',
};

it('revoking a stream token ends its sessions of every protocol, encrypted ones and MoQ included', async () => {
  // RTSP only encrypted (MediaMTX then has no /v3/rtspsessions routes at all), RTMP both ways.
  const fake = await FakeMediaMtx.start({ env: { MTX_RTSPENCRYPTION: 'strict', MTX_RTMPENCRYPTION: 'optional' } });
  const server = await startServer({ env: { MEDIAMTX_API_URL: fake.url, MEDIAMTX_HOOK_SECRET: HOOK_SECRET, MEDIAMTX_SERVICE_PASSWORD: SERVICE_PASSWORD } });
  try {
    const admin = (await server.login()).bearer;
    const camera = (await server.http('POST', '/api/cameras', { token: admin, body: { name: 'Porch', mtx_path: 'porch', source_url: 'rtsp://192.0.2.50/live' } })).body;
    await server.http('POST', '/api/users', { token: admin, body: { username: 'viewer', password: 'viewer-password', camera_ids: [camera.id] } });
    const viewer = (await server.login('viewer', 'viewer-password')).bearer;
    const minted = (await server.http('POST', '/api/tokens', { token: viewer, body: { camera_id: camera.id, label: 'every protocol' } })).body;
    await eventually(() => fake.pathConfigNames(), (names) => names.includes('porch'));
    fake.setAvailable('porch');
    const driver = new MediaMtxDriver({ relayUrl: server.url, hookSecret: HOOK_SECRET });

    // Each reader is let in by the auth callback; most then start reading (the `read` hook names
    // their reader type), an RTSPS and an RTMPS one are cut off before their hook arrives.
    const readers: Array<{ kind: SessionKind; hook: boolean }> = [
      { kind: 'rtspssessions', hook: true },
      { kind: 'rtspssessions', hook: false },
      { kind: 'rtmpconns', hook: true },
      { kind: 'rtmpsconns', hook: true },
      { kind: 'rtmpsconns', hook: false },
      { kind: 'hlssessions', hook: true },
      { kind: 'webrtcsessions', hook: true },
      { kind: 'srtconns', hook: true },
      { kind: 'moqsessions', hook: true },
    ];
    const sessions: string[] = [];
    for (const { kind, hook } of readers) {
      const session = fake.addSession(kind, { path: 'porch' });
      const outcome = await driver.authenticate({ action: 'read', path: 'porch', protocol: PROTOCOL[kind], id: session.id, credentials: { user: 'viewer', pass: minted.token } });
      expect(outcome.status).toBe(200);
      if (hook) expect((await driver.read('porch', { type: READER_TYPE[kind], id: session.id })).exitCode).toBe(0);
      sessions.push(session.id);
    }

    const revoked = await server.http('DELETE', `/api/tokens/${minted.id}`, { token: viewer });
    expect(revoked.body).toEqual({ id: minted.id, deleted: true, kicked: readers.length });
    expect(fake.kicks.filter((kick) => kick.found).map((kick) => kick.id).sort()).toEqual([...sessions].sort());
    expect(fake.sessions()).toEqual([]);
    expect(fake.path('porch')!.readers).toEqual([]);
  } finally {
    await server.stop();
    await fake.stop();
  }
});
