import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Socket } from 'socket.io-client';
import { FakeMediaMtx, MediaMtxDriver, relayAuthAddress } from './support/fake-mediamtx/index.js';
import { eventually, sleep } from './support/waiting.js';
import { connectSocket, nextEvent, startServer, type TestServer } from './support/test-server.js';

const HOOK_SECRET = 'hook-secret-for-the-tests-0123456789';
const SERVICE_PASSWORD = 'service-password-for-the-tests-0123';

describe('MediaMTX integration through the fake', () => {
  let fake: FakeMediaMtx;
  let server: TestServer;
  let driver: MediaMtxDriver;
  let admin: string;
  let viewer: { id: number; token: string };
  let stranger: { id: number; token: string };
  let credentialId: number;
  let front: { id: number; mtx_path: string };
  let back: { id: number; mtx_path: string };
  const sockets: Socket[] = [];

  const api = async (method: string, path: string, body?: unknown, token = admin) => {
    const answer = await server.http(method, path, { token, body });
    if (answer.status >= 300) throw new Error(`${method} ${path}: ${answer.text}`);
    return answer.body;
  };
  const cameraStatus = async (id: number) => (await api('GET', `/api/cameras/${id}`)).status;

  beforeAll(async () => {
    fake = await FakeMediaMtx.start();
    server = await startServer({
      env: { MEDIAMTX_API_URL: fake.url, MEDIAMTX_HOOK_SECRET: HOOK_SECRET, MEDIAMTX_SERVICE_PASSWORD: SERVICE_PASSWORD, MEDIAMTX_RECONCILE_SECONDS: '2', MEDIAMTX_STATUS_CACHE_MS: '0' },
    });
    // From here on MediaMTX asks the relay about every Control API call, as it does with authMethod http.
    fake.authCallbackUrl = relayAuthAddress(server.url, HOOK_SECRET);
    driver = new MediaMtxDriver({ relayUrl: server.url, hookSecret: HOOK_SECRET });
    admin = (await server.login()).bearer;
    const credential = await api('POST', '/api/credentials', { kind: 'basic', username: 'cam user', password: 'p@ss:word/1' });
    credentialId = credential.id;
    front = await api('POST', '/api/cameras', { name: 'Front', mtx_path: 'house/front', source_url: 'rtsp://192.0.2.10:554/live', credential_id: credential.id, rtsp_transport: 'tcp' });
    back = await api('POST', '/api/cameras', { name: 'Back', mtx_path: 'house/back', source_url: 'rtsp://192.0.2.11/live' });
    const viewerUser = await api('POST', '/api/users', { username: 'viewer', password: 'viewer-password', camera_ids: [front.id] });
    const strangerUser = await api('POST', '/api/users', { username: 'stranger', password: 'stranger-password' });
    viewer = { id: viewerUser.id, token: (await server.login('viewer', 'viewer-password')).bearer };
    stranger = { id: strangerUser.id, token: (await server.login('stranger', 'stranger-password')).bearer };
  });
  afterAll(async () => {
    sockets.forEach((socket) => socket.close());
    await server.stop();
    await fake.stop();
  });

  describe('path sync', () => {
    it('puts each enabled camera into MediaMTX with its credential in the source', async () => {
      await eventually(() => fake.pathConfigNames(), (names) => names.includes('house/front') && names.includes('house/back'));
      await fake.settled();
      expect(fake.pathConfig('house/front')).toMatchObject({
        source: 'rtsp://cam%20user:p%40ss%3Aword%2F1@192.0.2.10:554/live',
        sourceOnDemand: true,
        rtspTransport: 'tcp',
      });
      expect(fake.pathConfig('house/back')).toMatchObject({ source: 'rtsp://192.0.2.11/live', sourceOnDemand: true, rtspTransport: 'automatic' });
      const status = await eventually(() => cameraStatus(front.id), (value) => value.sync === 'ok');
      expect(status).toEqual({ available: false, online: false, readers: 0, inbound_bytes: 0, tracks: [], sync: 'ok', sync_error: null });
    });

    it('shows live status from MediaMTX on read and, when asked, on list', async () => {
      fake.setAvailable('house/front', { tracks: ['H264'], inboundBytes: 1234 });
      fake.addReader('house/front', { type: 'rtspSession', id: randomUUID() });
      expect(await cameraStatus(front.id)).toMatchObject({ available: true, online: true, readers: 1, inbound_bytes: 1234, tracks: ['H264'], sync: 'ok' });
      const list = await api('GET', '/api/cameras?withStatus=true');
      expect(list.items.find((camera: { id: number }) => camera.id === front.id).status).toMatchObject({ available: true, readers: 1 });
      const plain = await api('GET', '/api/cameras');
      expect(plain.items[0].status).toBeNull();
      fake.setUnavailable('house/front');
    });

    it('follows disable, enable, rename and delete, and never touches paths it does not own', async () => {
      fake.addPathConfig('someone-else', { source: 'publisher' });
      await api('PUT', `/api/cameras/${back.id}`, { is_enabled: false });
      await eventually(() => fake.pathConfigNames(), (names) => !names.includes('house/back'));
      expect((await cameraStatus(back.id)).sync).toBe('disabled');
      await api('PUT', `/api/cameras/${back.id}`, { is_enabled: true, mtx_path: 'house/garden' });
      await eventually(() => fake.pathConfigNames(), (names) => names.includes('house/garden') && !names.includes('house/back'));
      back = await api('GET', `/api/cameras/${back.id}`);
      expect(fake.pathConfigNames()).toContain('someone-else');
    });

    it('reports a path MediaMTX already has from elsewhere, and never replaces or deletes it', async () => {
      fake.addPathConfig('house/porch', { source: 'publisher' });
      const camera = await api('POST', '/api/cameras', { name: 'Porch', mtx_path: 'house/porch', source_url: 'rtsp://192.0.2.13/live' });
      const status = await eventually(() => cameraStatus(camera.id), (value) => value.sync_error !== null);
      expect(status).toMatchObject({ sync: 'pending', sync_error: 'MediaMTX already has a path named house/porch that the relay does not own' });
      await sleep(2500); // a periodic reconciliation later
      expect(fake.pathConfig('house/porch')).toMatchObject({ source: 'publisher' });
      await api('DELETE', `/api/cameras/${camera.id}`);
      await sleep(500);
      expect(fake.pathConfig('house/porch')).toMatchObject({ source: 'publisher' });
    });

    it('keeps the credential out of a sync error, and shows sync errors to admins only', async () => {
      const secretSource = 'rtsp://cam%20user:p%40ss%3Aword%2F1@192.0.2.14/live';
      fake.injectFault({ method: 'POST', path: '/v3/config/paths/add/house/shed', status: 400, body: { status: 'error', error: `invalid source: '${secretSource}'` }, times: Infinity });
      const camera = await api('POST', '/api/cameras', { name: 'Shed', mtx_path: 'house/shed', source_url: 'rtsp://192.0.2.14/live', credential_id: credentialId });
      await api('PUT', `/api/users/${viewer.id}`, { camera_ids: [front.id, camera.id] });
      const status = await eventually(() => cameraStatus(camera.id), (value) => value.sync_error !== null);
      expect(status.sync_error).toContain("invalid source: 'rtsp://192.0.2.14/live'");
      expect(status.sync_error).not.toContain('p%40ss');
      const asViewer = await server.http('GET', `/api/cameras/${camera.id}`, { token: viewer.token });
      expect(asViewer.body.status).toMatchObject({ sync: 'pending', sync_error: null });
      fake.clearFaults();
      await api('PUT', `/api/users/${viewer.id}`, { camera_ids: [front.id] });
      await api('DELETE', `/api/cameras/${camera.id}`);
    });

    it('a camera written while MediaMTX is down reports pending, and appears once MediaMTX is back', async () => {
      await fake.stop();
      const created = await server.http('POST', '/api/cameras', { token: admin, body: { name: 'Gate', mtx_path: 'house/gate', source_url: 'rtsp://192.0.2.12/live' } });
      expect(created.status).toBe(201);
      const pending = await eventually(() => cameraStatus(created.body.id), (value) => value.sync === 'pending' && value.sync_error !== null);
      expect(pending).toMatchObject({ available: null, online: null, readers: null, sync: 'pending' });
      await fake.start();
      await eventually(() => fake.pathConfigNames(), (names) => names.includes('house/gate'));
      await eventually(() => cameraStatus(created.body.id), (value) => value.sync === 'ok');
      await api('DELETE', `/api/cameras/${created.body.id}`);
      await eventually(() => fake.pathConfigNames(), (names) => !names.includes('house/gate'));
    });

    it('puts every enabled camera back after MediaMTX restarts and forgets them', async () => {
      fake.wipe();
      expect(fake.pathConfigNames()).not.toContain('house/front');
      await eventually(() => fake.pathConfigNames(), (names) => names.includes('house/front') && names.includes('house/garden'));
    });

    it('calls the Control API as its service account, which MediaMTX checks through the relay', async () => {
      // Answered calls only: the relay keeps calling, and one may be in flight (status null) right now.
      const checked = fake.authCalls.filter((call) => call.body.action === 'api' && call.status !== null);
      expect(checked.length).toBeGreaterThan(0);
      expect(checked.filter((call) => call.body.user !== 'mtx-relay' || call.status !== 200).map(({ body, status, error }) => ({ user: body.user, status, error }))).toEqual([]);
    });
  });

  describe('who may watch', () => {
    const read = (credentials: { user?: string; pass?: string; token?: string }, path = 'house/front', protocol: 'rtsp' | 'hls' | 'webrtc' = 'rtsp') =>
      driver.authenticate({ action: 'read', path, protocol, id: randomUUID(), credentials });

    it('asks an RTSP client without credentials for them', async () => {
      const outcome = await read({});
      expect(outcome.status).toBe(401);
      expect(outcome.result).toBe('askCredentials');
    });

    it('lets a granted user read by password, access token or ?token=, and refuses everyone else', async () => {
      expect((await read({ user: 'viewer', pass: 'viewer-password' })).status).toBe(200);
      expect((await read({ token: viewer.token }, 'house/front', 'hls')).status).toBe(200);
      expect((await driver.authenticate({ action: 'read', path: 'house/front', protocol: 'webrtc', query: `token=${viewer.token}`, id: randomUUID() })).status).toBe(200);
      expect((await read({ user: 'admin', pass: 'admin-password-for-tests' }, 'house/garden')).status).toBe(200);
      expect((await read({ user: 'viewer', pass: 'viewer-password' }, 'house/garden')).status).toBe(403);
      expect((await read({ user: 'stranger', pass: 'stranger-password' })).status).toBe(403);
      expect((await read({ user: 'viewer', pass: 'wrong-password' })).status).toBe(403);
      expect((await read({ token: stranger.token })).status).toBe(403);
      expect((await read({ user: 'viewer', pass: 'viewer-password' }, 'not/a/camera')).status).toBe(403);
    });

    it('keeps publish, api and metrics to the relay service account', async () => {
      const service = { user: 'mtx-relay', pass: SERVICE_PASSWORD };
      for (const action of ['publish', 'api', 'metrics'] as const) {
        expect((await driver.authenticate({ action, path: 'house/front', protocol: action === 'publish' ? 'rtsp' : undefined, credentials: service })).status).toBe(200);
        expect((await driver.authenticate({ action, path: 'house/front', credentials: { user: 'admin', pass: 'admin-password-for-tests' } })).status).toBe(403);
      }
    });

    it('logs each decision without the secret', () => {
      const decisions = server.output.filter((line) => line.includes('MediaMTX auth decision'));
      expect(decisions.length).toBeGreaterThan(5);
      const text = decisions.join('\n');
      expect(text).not.toContain('viewer-password');
      expect(text).not.toContain(viewer.token);
      expect(text).not.toContain(SERVICE_PASSWORD);
    });
  });

  describe('hooks to topics', () => {
    let watchers: { admin: Socket; viewer: Socket; stranger: Socket };
    const seen = new Map<Socket, Array<{ event: string; payload: any }>>();

    beforeAll(async () => {
      watchers = {
        admin: await connectSocket(server.url, { auth: { token: admin } }),
        viewer: await connectSocket(server.url, { auth: { token: viewer.token } }),
        stranger: await connectSocket(server.url, { auth: { token: stranger.token } }),
      };
      for (const socket of Object.values(watchers)) {
        sockets.push(socket);
        seen.set(socket, []);
        socket.onAny((event: string, payload: any) => {
          if (event.startsWith('camera:')) seen.get(socket)!.push({ event, payload });
        });
      }
    });

    const cameraEvents = (socket: Socket) =>
      seen
        .get(socket)!
        .filter((entry) => entry.event !== 'camera:*' && !['camera:created', 'camera:updated', 'camera:deleted'].includes(entry.event))
        .map((entry) => entry.event);

    it('publishes demand, ready, read, unread, unDemand and notReady to exactly the right sockets', async () => {
      // The reads above left a demand pending (their source never started); the path going down clears it.
      await driver.notReady('house/front');
      seen.forEach((events) => events.splice(0));
      const session = randomUUID();
      const demanded = nextEvent(watchers.viewer, 'camera:demand');
      expect((await driver.authenticate({ action: 'read', path: 'house/front', protocol: 'rtsp', id: session, query: 'quality=high', credentials: { user: 'viewer', pass: 'viewer-password' } })).status).toBe(200);
      expect((await demanded).details).toMatchObject({ name: 'Front', path: 'house/front', query: { quality: 'high' }, readerType: 'rtsp', readerId: session });

      // MediaMTX's own state moves first, then it runs the hook (the relay checks one against the other).
      const ready = nextEvent(watchers.viewer, 'camera:ready');
      fake.setAvailable('house/front');
      expect((await driver.ready('house/front', { source: { type: 'rtspSource', id: '' } })).exitCode).toBe(0);
      expect(await ready).toMatchObject({ domain: 'camera', entity: front.id, event: 'ready', details: { name: 'Front', path: 'house/front', sourceType: 'rtspSource' } });

      const readEvent = nextEvent(watchers.viewer, 'camera:read');
      fake.addSession('rtspsessions', { path: 'house/front', id: session });
      await driver.read('house/front', { type: 'rtspSession', id: session, query: 'quality=high&token=very-secret' });
      const readPayload = await readEvent;
      expect(readPayload.details).toMatchObject({ readerType: 'rtspSession', readerId: session, query: { quality: 'high' }, readers: 1 });
      expect(readPayload.details).not.toHaveProperty('reconciled');
      expect(JSON.stringify(readPayload)).not.toContain('very-secret');

      const unDemand = nextEvent(watchers.viewer, 'camera:unDemand');
      fake.endSession(session);
      await driver.unread('house/front', { type: 'rtspSession', id: session });
      await unDemand;
      const notReady = nextEvent(watchers.viewer, 'camera:notReady');
      fake.setUnavailable('house/front');
      await driver.notReady('house/front');
      await notReady;

      const expected = ['camera:demand', 'camera:ready', 'camera:read', 'camera:unread', 'camera:unDemand', 'camera:notReady'];
      await eventually(() => cameraEvents(watchers.admin), (events) => events.length >= expected.length);
      // A check against MediaMTX follows each readiness hook: it finds nothing to correct.
      await sleep(1500);
      expect(cameraEvents(watchers.viewer)).toEqual(expected);
      expect(cameraEvents(watchers.admin)).toEqual(expected);
      expect(cameraEvents(watchers.stranger)).toEqual([]);
    });

    it('publishes a repeated hook once, and ignores a read that comes after its unread', async () => {
      const id = randomUUID();
      fake.setAvailable('house/front');
      const ready = nextEvent(watchers.admin, 'camera:ready');
      await driver.ready('house/front');
      await ready;
      fake.addSession('rtspsessions', { path: 'house/front', id });
      const read = nextEvent(watchers.admin, 'camera:read');
      await driver.read('house/front', { type: 'rtspSession', id });
      await driver.read('house/front', { type: 'rtspSession', id });
      expect((await read).details.readers).toBe(1);
      fake.endSession(id);
      const unread = nextEvent(watchers.admin, 'camera:unread');
      const unDemand = nextEvent(watchers.admin, 'camera:unDemand');
      await driver.unread('house/front', { type: 'rtspSession', id });
      expect((await unread).details.readers).toBe(0);
      await unDemand;
      seen.forEach((events) => events.splice(0));
      // Its runOnRead, interrupted when the reader left, lands after all.
      await driver.read('house/front', { type: 'rtspSession', id });
      await driver.unread('house/front', { type: 'rtspSession', id });
      const notReady = nextEvent(watchers.admin, 'camera:notReady');
      fake.setUnavailable('house/front');
      await driver.notReady('house/front');
      expect((await notReady).details.readers).toBe(0);
      await sleep(1500);
      expect(cameraEvents(watchers.admin)).toEqual(['camera:notReady']);
    });

    it('announces a reader listed by MediaMTX before its slow read hook lands once, from the hook, with its query', async () => {
      fake.setAvailable('house/front');
      const ready = nextEvent(watchers.admin, 'camera:ready');
      await driver.ready('house/front');
      await ready;
      await sleep(300);
      seen.forEach((events) => events.splice(0));
      const passes = () => fake.requestsTo('GET', /^\/v3\/paths\/list/).length;
      const id = randomUUID();
      const read = nextEvent(watchers.admin, 'camera:read');
      fake.addSession('rtspsessions', { path: 'house/front', id });
      // The wget is slow: the reconciler lists the reader, finishes that pass and starts the next before the hook lands.
      const listedFrom = passes();
      await eventually(passes, (count) => count >= listedFrom + 2, 20_000, 50);
      await driver.read('house/front', { type: 'rtspSession', id, query: 'quality=high' });
      const readPayload = await read;
      expect(readPayload.details).toMatchObject({ readerId: id, query: { quality: 'high' }, readers: 1 });
      expect(readPayload.details).not.toHaveProperty('reconciled');
      // Later passes, past the hook's grace, find the reader known: nothing more to announce.
      const announced = passes();
      await eventually(passes, (count) => count >= announced + 3, 20_000, 50);
      expect(cameraEvents(watchers.admin)).toEqual(['camera:read']);

      const notReady = nextEvent(watchers.admin, 'camera:notReady');
      fake.endSession(id);
      await driver.unread('house/front', { type: 'rtspSession', id });
      fake.setUnavailable('house/front');
      await driver.notReady('house/front');
      await notReady;
    });

    it('reaches admins with entity null for a path that is no camera', async () => {
      const ready = nextEvent(watchers.admin, 'camera:ready');
      fake.setAvailable('someone-else');
      await driver.ready('someone-else');
      expect(await ready).toMatchObject({ entity: null, details: { name: null, path: 'someone-else' } });
    });

    it('publishes nothing for a forged hook', async () => {
      // The earlier test's event is still arriving under its other names.
      await sleep(300);
      const before = seen.get(watchers.admin)!.length;
      const forger = new MediaMtxDriver({ relayUrl: server.url, hookSecret: 'not-the-secret-at-all-0123456789' });
      await forger.ready('house/front');
      const direct = await server.http('POST', '/api/mediamtx/hooks/ready', { headers: { 'x-mtx-path': 'house/front' } });
      expect(direct.status).toBe(401);
      expect(direct.body.error.code).toBe('unauthorized');
      await sleep(300);
      expect(seen.get(watchers.admin)!.length).toBe(before);
    });
  });

  describe('taking access away', () => {
    it('ends the running streams of a user who is disabled or loses the grant', async () => {
      const temp = await api('POST', '/api/users', { username: 'temp', password: 'temp-password', camera_ids: [front.id] });
      const open = async () => {
        const session = fake.addSession('rtspsessions', { path: 'house/front' });
        const outcome = await driver.authenticate({ action: 'read', path: 'house/front', protocol: 'rtsp', id: session.id, credentials: { user: 'temp', pass: 'temp-password' } });
        expect(outcome.status).toBe(200);
        return session.id;
      };
      const first = await open();
      await api('PUT', `/api/users/${temp.id}`, { camera_ids: [] });
      await eventually(() => fake.kicks.map((kick) => kick.id), (ids) => ids.includes(first));
      await api('PUT', `/api/users/${temp.id}`, { camera_ids: [front.id] });
      const second = await open();
      await api('PUT', `/api/users/${temp.id}`, { can_login: false });
      await eventually(() => fake.kicks.map((kick) => kick.id), (ids) => ids.includes(second));
    });
  });

  describe('stream tokens', () => {
    it('mints a token for a granted camera, lets it read that camera only, and kicks its sessions when revoked', async () => {
      const refused = await server.http('POST', '/api/tokens', { token: viewer.token, body: { camera_id: back.id, label: 'nope' } });
      expect(refused.status).toBe(404);
      const minted = (await server.http('POST', '/api/tokens', { token: viewer.token, body: { camera_id: front.id, label: 'Home Assistant' } })).body;
      expect(minted).toMatchObject({ user_id: viewer.id, camera_id: front.id, label: 'Home Assistant', revoked_at: null });
      expect(minted.token).toMatch(/^mtxs_/);
      expect(minted.urls.rtsp).toBe(`rtsp://viewer:${minted.token}@localhost:8554/house/front`);

      const session = fake.addSession('rtspsessions', { path: 'house/front' });
      const asPassword = await driver.authenticate({ action: 'read', path: 'house/front', protocol: 'rtsp', id: session.id, credentials: { user: 'ha', pass: minted.token } });
      expect(asPassword.status).toBe(200);
      expect((await driver.authenticate({ action: 'read', path: 'house/front', protocol: 'hls', id: randomUUID(), query: `token=${minted.token}` })).status).toBe(200);
      expect((await driver.authenticate({ action: 'read', path: 'house/garden', protocol: 'rtsp', id: randomUUID(), credentials: { user: 'ha', pass: minted.token } })).status).toBe(403);

      const listed = await server.http('GET', '/api/tokens', { token: viewer.token });
      expect(listed.body.items).toHaveLength(1);
      expect(JSON.stringify(listed.body)).not.toContain(minted.token);
      expect((await server.http('GET', `/api/tokens/${minted.id}`, { token: stranger.token })).status).toBe(404);

      const revoked = await server.http('DELETE', `/api/tokens/${minted.id}`, { token: viewer.token });
      expect(revoked.body).toEqual({ id: minted.id, deleted: true, kicked: 1 });
      expect(fake.kicks.map((kick) => kick.id)).toContain(session.id);
      expect((await driver.authenticate({ action: 'read', path: 'house/front', protocol: 'rtsp', id: randomUUID(), credentials: { user: 'ha', pass: minted.token } })).status).toBe(403);
      expect((await server.http('GET', `/api/tokens/${minted.id}`, { token: admin })).body.revoked_at).not.toBeNull();
    });
  });
});

describe('a MediaMTX that lists a new path only a moment after accepting it', () => {
  it('is sent each new path once, even when another pass comes before its list shows it, and a path deleted meanwhile is removed', async () => {
    const fake = await FakeMediaMtx.start({ applyDelayMs: 1000 });
    const server = await startServer({
      env: { MEDIAMTX_API_URL: fake.url, MEDIAMTX_HOOK_SECRET: HOOK_SECRET, MEDIAMTX_SERVICE_PASSWORD: SERVICE_PASSWORD, MEDIAMTX_RECONCILE_SECONDS: '60' },
    });
    try {
      const admin = (await server.login()).bearer;
      const call = async (method: string, path: string, body?: unknown) => (await server.http(method, path, { token: admin, body })).body;
      const credential = await call('POST', '/api/credentials', { kind: 'basic', username: 'someone', password: 'some-password' });
      await call('POST', '/api/cameras', { name: 'Lagging', mtx_path: 'lagging', source_url: 'rtsp://192.0.2.20/live' });
      const writes = () => fake.requestsTo('POST', /\/v3\/config\/paths\/(add|replace)\/lagging$/);
      await eventually(() => writes().length, (count) => count === 1);
      // A credential change starts another pass, which lists the paths before MediaMTX shows the new one.
      const lists = fake.requestsTo('GET', '/v3/config/paths/list').length;
      await call('PUT', `/api/credentials/${credential.id}`, { username: 'someone-else' });
      await eventually(() => fake.requestsTo('GET', '/v3/config/paths/list').length, (count) => count > lists);
      await fake.settled();
      await sleep(200);
      expect(writes().map((request) => request.path)).toEqual(['/v3/config/paths/add/lagging']);

      // Deleted before MediaMTX lists it: still removed there.
      const shortLived = await call('POST', '/api/cameras', { name: 'Short-lived', mtx_path: 'short-lived', source_url: 'rtsp://192.0.2.21/live' });
      await eventually(() => fake.requestsTo('POST', '/v3/config/paths/add/short-lived').length, (count) => count === 1);
      await call('DELETE', `/api/cameras/${shortLived.id}`);
      await eventually(() => fake.requestsTo('DELETE', '/v3/config/paths/delete/short-lived').length, (count) => count === 1);
      await fake.settled();
      expect(fake.pathConfigNames()).not.toContain('short-lived');
    } finally {
      await server.stop();
      await fake.stop();
    }
  });
});
