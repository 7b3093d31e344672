import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ADMIN_PASSWORD, startServer, type TestServer } from './support/test-server.js';
import { errorShape, send, type Caller, type Transport, type WireAnswer, type WireRequest } from './support/wire.js';

const PASSWORD = 'a-user-password-1';
const NOT_VALID = 'the request is not valid';
const ADMIN_ONLY = 'this needs an admin';
const MEDIAMTX = { rtsp: 'rtsp://media.example.test:8554', hls: 'https://media.example.test/hls/', webrtc: 'https://media.example.test:8889' };

let server: TestServer;

beforeAll(async () => {
  server = await startServer({ env: { MEDIAMTX_RTSP_URL: MEDIAMTX.rtsp, MEDIAMTX_HLS_URL: MEDIAMTX.hls, MEDIAMTX_WEBRTC_URL: MEDIAMTX.webrtc } });
});
afterAll(async () => {
  await server?.stop();
});

/** The URLs a viewer uses for a path, from the configured public MediaMTX addresses (a trailing / is not doubled). */
const viewerUrls = (path: string) => ({
  rtsp: `rtsp://media.example.test:8554/${path}`,
  hls: `https://media.example.test/hls/${path}/index.m3u8`,
  webrtc: `https://media.example.test:8889/${path}/whep`,
});

/** What an admin sees of a camera. */
const adminView = (fields: { name: string; mtx_path: string; source_url: string } & Record<string, unknown>) => ({
  id: expect.any(Number),
  description: '',
  credential_id: null,
  rtsp_transport: 'automatic',
  oauth2_token_in: 'query',
  is_enabled: true,
  urls: viewerUrls(fields.mtx_path),
  created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
  updated_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
  ...fields,
});

/**
 * A camera view without `status`: live status from MediaMTX, which depends on whether MediaMTX
 * runs (not this file's subject). The field must be there all the same.
 */
function withoutStatus(body: any): any {
  const strip = (view: Record<string, unknown>) => {
    expect(view).toHaveProperty('status');
    const { status: _status, ...rest } = view;
    return rest;
  };
  if (Array.isArray(body?.items)) return { ...body, items: body.items.map(strip) };
  return typeof body?.mtx_path === 'string' ? strip(body) : body;
}

/** What a user sees of a camera granted to them: no source, credential, transport or token place. */
const userView = (admin: Record<string, unknown>) => {
  const { source_url: _source, credential_id: _credential, rtsp_transport: _transport, oauth2_token_in: _tokenIn, ...rest } = admin;
  return rest;
};

describe.each<Transport>(['rest', 'socket'])('cameras over %s', (transport) => {
  const prefix = `${transport}-`;
  const admin: Caller = { token: '' };
  const alice: Caller = { token: '' };
  const cameras: Record<string, Record<string, any>> = {};
  let credentialId = 0;
  let aliceId = 0;

  const call = async (caller: Caller, module: string, command: string, entity?: string | number, payload?: Record<string, unknown>) => {
    const request: WireRequest = { module, command, entity, payload };
    return { ...(await send(server, transport, caller, request)), request };
  };
  const cams = async (caller: Caller, command: string, entity?: string | number, payload?: Record<string, unknown>) => {
    const answer = await call(caller, 'cameras', command, entity, payload);
    return { ...answer, body: withoutStatus(answer.body) };
  };
  const expectOk = (answer: WireAnswer, status = 200) => {
    expect(answer.body?.error).toBeUndefined();
    if (transport === 'rest') expect(answer.status).toBe(status);
  };
  const expectError = (answer: WireAnswer & { request: WireRequest }, status: number, code: string, message: string, details: unknown[] = []) => {
    expect(answer.body).toEqual(errorShape(answer, answer.request, status, code, message, details));
    expect(answer.status).toBe(status);
  };
  const names = (answer: WireAnswer) => (answer.body.items as Array<{ name: string }>).map((camera) => camera.name);

  beforeAll(async () => {
    admin.token = (await server.login('admin', ADMIN_PASSWORD)).bearer;
    const credential = await call(admin, 'credentials', 'create', undefined, { kind: 'basic', username: 'cam', password: 'camera-secret-1', description: `${prefix}cred` });
    expectOk(credential, 201);
    credentialId = credential.body.id;
  });
  afterAll(() => {
    admin.socket?.close();
    alice.socket?.close();
  });

  describe('as an admin', () => {
    it('creates cameras; the answer has every field, defaults filled in, and the viewer URLs', async () => {
      const front = await cams(admin, 'create', undefined, { name: `${prefix}Front door`, mtx_path: `${prefix}front`, source_url: 'rtsp://192.0.2.10:554/stream1' });
      expectOk(front, 201);
      expect(front.body).toEqual(adminView({ name: `${prefix}Front door`, mtx_path: `${prefix}front`, source_url: 'rtsp://192.0.2.10:554/stream1' }));
      cameras.front = front.body;

      const yard = await cams(admin, 'create', undefined, {
        name: `  ${prefix}Yard  `,
        description: `behind the ${transport} shed`,
        mtx_path: `${prefix}garden/yard-1_v2.main`,
        source_url: 'rtsps://cam.example.test/live',
        credential_id: credentialId,
        rtsp_transport: 'tcp',
        oauth2_token_in: 'userinfo',
        is_enabled: false,
      });
      expectOk(yard, 201);
      expect(yard.body).toEqual(
        adminView({
          name: `${prefix}Yard`,
          description: `behind the ${transport} shed`,
          mtx_path: `${prefix}garden/yard-1_v2.main`,
          source_url: 'rtsps://cam.example.test/live',
          credential_id: credentialId,
          rtsp_transport: 'tcp',
          oauth2_token_in: 'userinfo',
          is_enabled: false,
        }),
      );
      cameras.yard = yard.body;

      for (const [key, source] of [
        ['hall', 'http://192.0.2.11/video.mjpg'],
        ['attic', 'https://[2001:db8::1]:8443/hls/index.m3u8'],
      ] as const) {
        const answer = await cams(admin, 'create', undefined, { name: `${prefix}${key}`, mtx_path: `${prefix}${key}`, source_url: source, rtsp_transport: 'udp' });
        expectOk(answer, 201);
        expect(answer.body).toEqual(adminView({ name: `${prefix}${key}`, mtx_path: `${prefix}${key}`, source_url: source, rtsp_transport: 'udp' }));
        cameras[key] = answer.body;
      }
      expect(new Set(Object.values(cameras).map((camera) => camera.id)).size).toBe(4);
    });

    it('reads a camera as created; a camera that does not exist is not_found', async () => {
      const answer = await cams(admin, 'read', cameras.yard.id);
      expectOk(answer);
      expect(answer.body).toEqual(cameras.yard);
      expectError(await cams(admin, 'read', 999999), 404, 'not_found', 'camera 999999 not found');
      expectError(await cams(admin, 'read', 'abc'), 400, 'validation_failed', NOT_VALID, [{ path: 'entity', message: 'must be a camera id (a positive whole number)' }]);
      expectError(await cams(admin, 'read', 0), 400, 'validation_failed', NOT_VALID, [{ path: 'entity', message: 'must be a camera id (a positive whole number)' }]);
    });

    it('lists with search, sortBy, page and itemsPerPage', async () => {
      const all = await cams(admin, 'list', undefined, { search: prefix });
      expectOk(all);
      expect(all.body).toEqual({ items: [cameras.front, cameras.yard, cameras.hall, cameras.attic], total: 4, page: 1, itemsPerPage: 10 });
      const newestFirst = await cams(admin, 'list', undefined, { search: prefix, sortBy: '-id' });
      expect(newestFirst.body.items).toEqual([cameras.attic, cameras.hall, cameras.yard, cameras.front]);
      const byPath = await cams(admin, 'list', undefined, { search: prefix, sortBy: '-mtx_path' });
      expect(names(byPath)).toEqual(['hall', 'Yard', 'Front door', 'attic'].map((name) => `${prefix}${name}`));
      const page = await cams(admin, 'list', undefined, { search: prefix, sortBy: 'name', page: 2, itemsPerPage: 3 });
      expect(page.body).toEqual({ items: [cameras.yard], total: 4, page: 2, itemsPerPage: 3 });
      // Search looks at the name, the path and the description.
      expect(names(await cams(admin, 'list', undefined, { search: `BEHIND THE ${transport.toUpperCase()}` }))).toEqual([`${prefix}Yard`]);
      expect(names(await cams(admin, 'list', undefined, { search: `${prefix}garden/` }))).toEqual([`${prefix}Yard`]);
      expectError(await cams(admin, 'list', undefined, { sortBy: 'source_url' }), 400, 'validation_failed', NOT_VALID, [
        { path: 'payload.sortBy', message: 'must be one of: id, -id, name, -name, mtx_path, -mtx_path, created_at, -created_at, updated_at, -updated_at' },
      ]);
    });

    it('updates a camera partially; the viewer URLs follow the path', async () => {
      const answer = await cams(admin, 'update', cameras.front.id, { mtx_path: `${prefix}porch/main`, credential_id: credentialId, oauth2_token_in: 'userinfo', is_enabled: false });
      expectOk(answer);
      expect(answer.body).toEqual({
        ...cameras.front,
        mtx_path: `${prefix}porch/main`,
        credential_id: credentialId,
        oauth2_token_in: 'userinfo',
        is_enabled: false,
        urls: viewerUrls(`${prefix}porch/main`),
        updated_at: expect.any(String),
      });
      expect(Date.parse(answer.body.updated_at)).toBeGreaterThanOrEqual(Date.parse(cameras.front.updated_at));
      expect((await cams(admin, 'read', cameras.front.id)).body).toEqual(answer.body);

      const cleared = await cams(admin, 'update', cameras.front.id, { credential_id: null, description: 'porch', rtsp_transport: 'automatic', oauth2_token_in: 'query' });
      expectOk(cleared);
      expect(cleared.body).toEqual({ ...answer.body, credential_id: null, description: 'porch', oauth2_token_in: 'query', updated_at: expect.any(String) });
      cameras.front = cleared.body;

      expectError(await cams(admin, 'update', cameras.front.id, {}), 400, 'validation_failed', NOT_VALID, [{ path: 'payload', message: 'name at least one field to change' }]);
      expectError(await cams(admin, 'update', 999999, { name: 'ghost' }), 404, 'not_found', 'camera 999999 not found');
      expectError(await cams(admin, 'update', cameras.front.id, { name: '   ', rtsp_transport: 'quic', oauth2_token_in: 'header', is_enabled: 'yes', colour: 'red' }), 400, 'validation_failed', NOT_VALID, [
        { path: 'payload.name', message: 'must not be empty' },
        { path: 'payload.rtsp_transport', message: 'Invalid option: expected one of "automatic"|"udp"|"tcp"' },
        { path: 'payload.oauth2_token_in', message: 'Invalid option: expected one of "query"|"userinfo"' },
        { path: 'payload.is_enabled', message: 'Invalid input: expected boolean, received string' },
        { path: 'payload', message: 'Unrecognized key: "colour"' },
      ]);
      expect((await cams(admin, 'read', cameras.front.id)).body).toEqual(cameras.front);
    });

    it('refuses a second camera on the same mtx_path with 409 conflict, on create and on update', async () => {
      const path = `${prefix}hall`;
      const duplicate = await cams(admin, 'create', undefined, { name: 'twin', mtx_path: path, source_url: 'rtsp://192.0.2.99/x' });
      expectError(duplicate, 409, 'conflict', `mtx_path ${path} is already used by another camera`, [{ path: 'payload.mtx_path', message: 'is already used' }]);
      const moved = await cams(admin, 'update', cameras.attic.id, { mtx_path: path });
      expectError(moved, 409, 'conflict', `mtx_path ${path} is already used by another camera`, [{ path: 'payload.mtx_path', message: 'is already used' }]);
      expect((await cams(admin, 'read', cameras.attic.id)).body).toEqual(cameras.attic);
      // Keeping its own path is not a conflict.
      const same = await cams(admin, 'update', cameras.hall.id, { mtx_path: path });
      expectOk(same);
      expect(same.body).toEqual({ ...cameras.hall, updated_at: expect.any(String) });
      cameras.hall = same.body;
    });

    it('refuses a credential_id that does not exist with validation_failed, on create and on update', async () => {
      const detail = [{ path: 'payload.credential_id', message: 'credential 999999 does not exist' }];
      expectError(await cams(admin, 'create', undefined, { name: 'x', mtx_path: `${prefix}nocred`, source_url: 'rtsp://192.0.2.1/x', credential_id: 999999 }), 400, 'validation_failed', NOT_VALID, detail);
      expectError(await cams(admin, 'update', cameras.hall.id, { credential_id: 999999 }), 400, 'validation_failed', NOT_VALID, detail);
      expectError(await cams(admin, 'create', undefined, { name: 'x', mtx_path: `${prefix}nocred`, source_url: 'rtsp://192.0.2.1/x', credential_id: 'one' }), 400, 'validation_failed', NOT_VALID, [
        { path: 'payload.credential_id', message: 'must be a credential id (a positive whole number)' },
      ]);
      expect((await cams(admin, 'read', cameras.hall.id)).body.credential_id).toBeNull();
      expect((await cams(admin, 'list', undefined, { search: `${prefix}nocred` })).body.total).toBe(0);
    });

    it('names the missing fields of a camera', async () => {
      expectError(await cams(admin, 'create', undefined, {}), 400, 'validation_failed', NOT_VALID, [
        { path: 'payload.name', message: 'Invalid input: expected string, received undefined' },
        { path: 'payload.mtx_path', message: 'Invalid input: expected string, received undefined' },
        { path: 'payload.source_url', message: 'Invalid input: expected string, received undefined' },
      ]);
    });
  });

  describe('grants and what a user sees', () => {
    it('an admin grants cameras with camera_ids; users read shows them', async () => {
      const created = await call(admin, 'users', 'create', undefined, { username: `${prefix}alice`, password: PASSWORD, camera_ids: [cameras.yard.id, cameras.front.id, cameras.yard.id] });
      expectOk(created, 201);
      aliceId = created.body.id;
      const granted = [cameras.front.id, cameras.yard.id].sort((a, b) => a - b);
      expect(created.body.camera_ids).toEqual(granted);
      expect((await call(admin, 'users', 'read', aliceId)).body.camera_ids).toEqual(granted);
      alice.token = (await server.login(`${prefix}alice`, PASSWORD)).bearer;
      expect((await call(alice, 'users', 'read', aliceId)).body.camera_ids).toEqual(granted);

      const unknown = await call(admin, 'users', 'update', aliceId, { camera_ids: [cameras.front.id, 999998, 999999] });
      expectError(unknown, 400, 'validation_failed', NOT_VALID, [
        { path: 'payload.camera_ids', message: 'camera 999998 does not exist' },
        { path: 'payload.camera_ids', message: 'camera 999999 does not exist' },
      ]);
      expect((await call(admin, 'users', 'read', aliceId)).body.camera_ids).toEqual(granted);
    });

    it('a user lists only the cameras granted to them, without source, credential or transport', async () => {
      const answer = await cams(alice, 'list');
      expectOk(answer);
      expect(answer.body).toEqual({ items: [userView(cameras.front), userView(cameras.yard)], total: 2, page: 1, itemsPerPage: 10 });
      for (const item of answer.body.items) expect(Object.keys(item).sort()).toEqual(['created_at', 'description', 'id', 'is_enabled', 'mtx_path', 'name', 'updated_at', 'urls']);
      // Searching for an ungranted camera finds nothing.
      expect((await cams(alice, 'list', undefined, { search: `${prefix}hall` })).body).toEqual({ items: [], total: 0, page: 1, itemsPerPage: 10 });
      expect((await cams(alice, 'list', undefined, { search: 'garden', sortBy: '-id' })).body.items).toEqual([userView(cameras.yard)]);
    });

    it('a user reads a granted camera with its viewer URLs; an ungranted camera is not_found, exactly like one that does not exist', async () => {
      const answer = await cams(alice, 'read', cameras.yard.id);
      expectOk(answer);
      expect(answer.body).toEqual(userView(cameras.yard));
      expect(answer.body.urls).toEqual(viewerUrls(cameras.yard.mtx_path));
      for (const id of [cameras.hall.id, cameras.attic.id, 999999]) {
        expectError(await cams(alice, 'read', id), 404, 'not_found', `camera ${id} not found`);
      }
    });

    it('a user may not create, update or delete cameras, granted or not (forbidden)', async () => {
      expectError(await cams(alice, 'create', undefined, { name: 'mine', mtx_path: `${prefix}mine`, source_url: 'rtsp://192.0.2.1/x' }), 403, 'forbidden', ADMIN_ONLY);
      for (const id of [cameras.yard.id, cameras.hall.id, 999999]) {
        expectError(await cams(alice, 'update', id, { name: 'renamed' }), 403, 'forbidden', ADMIN_ONLY);
        expectError(await cams(alice, 'delete', id), 403, 'forbidden', ADMIN_ONLY);
      }
      expect((await cams(admin, 'read', cameras.yard.id)).body).toEqual(cameras.yard);
      expect((await cams(admin, 'read', cameras.hall.id)).body).toEqual(cameras.hall);
    });

    it('a user may not list, read, create, update or delete credentials (forbidden)', async () => {
      expectError(await call(alice, 'credentials', 'list'), 403, 'forbidden', ADMIN_ONLY);
      expectError(await call(alice, 'credentials', 'read', credentialId), 403, 'forbidden', ADMIN_ONLY);
      expectError(await call(alice, 'credentials', 'create', undefined, { kind: 'token', token: 'x' }), 403, 'forbidden', ADMIN_ONLY);
      expectError(await call(alice, 'credentials', 'update', credentialId, { description: 'mine' }), 403, 'forbidden', ADMIN_ONLY);
      expectError(await call(alice, 'credentials', 'delete', credentialId), 403, 'forbidden', ADMIN_ONLY);
    });

    it('a user may not grant themselves cameras (forbidden)', async () => {
      const answer = await call(alice, 'users', 'update', aliceId, { camera_ids: [cameras.hall.id] });
      expect(answer.status).toBe(403);
      expect(answer.body.error.code).toBe('forbidden');
      expectError(await cams(alice, 'read', cameras.hall.id), 404, 'not_found', `camera ${cameras.hall.id} not found`);
    });

    it('without a token, nothing about cameras is answered (unauthorized)', async () => {
      for (const [method, path, command] of [
        ['GET', '/api/cameras', 'list'],
        ['GET', `/api/cameras/${cameras.yard.id}`, 'read'],
        ['DELETE', `/api/cameras/${cameras.yard.id}`, 'delete'],
      ] as const) {
        const answer = await server.http(method, path);
        expect({ status: answer.status, body: answer.body }).toEqual({
          status: 401,
          body: { error: { status: 401, code: 'unauthorized', message: 'authentication required', details: [], context: { module: 'cameras', command } } },
        });
      }
    });

    it('a changed grant takes effect on the next request', async () => {
      expectOk(await call(admin, 'users', 'update', aliceId, { camera_ids: [cameras.hall.id] }));
      expect((await cams(alice, 'list')).body.items).toEqual([userView(cameras.hall)]);
      expectOk(await cams(alice, 'read', cameras.hall.id));
      expectError(await cams(alice, 'read', cameras.yard.id), 404, 'not_found', `camera ${cameras.yard.id} not found`);
    });

    it('deleting a camera removes it, its grants with it', async () => {
      const answer = await cams(admin, 'delete', cameras.hall.id);
      expectOk(answer);
      expect(answer.body).toEqual({ id: cameras.hall.id, deleted: true });
      expectError(await cams(admin, 'read', cameras.hall.id), 404, 'not_found', `camera ${cameras.hall.id} not found`);
      expectError(await cams(admin, 'delete', cameras.hall.id), 404, 'not_found', `camera ${cameras.hall.id} not found`);
      expectError(await cams(alice, 'read', cameras.hall.id), 404, 'not_found', `camera ${cameras.hall.id} not found`);
      expect((await cams(alice, 'list')).body).toEqual({ items: [], total: 0, page: 1, itemsPerPage: 10 });
      expect((await call(admin, 'users', 'read', aliceId)).body.camera_ids).toEqual([]);
      // Its path is free again.
      expectOk(await cams(admin, 'create', undefined, { name: `${prefix}hall again`, mtx_path: `${prefix}hall`, source_url: 'rtsp://192.0.2.11/x' }), 201);
    });
  });
});

/** Bad values of each validated field, with what validation_failed names. */
const BAD_MTX_PATHS: Array<[string, string, string[]]> = [
  ['leading slash', '/cam1', ['must not begin or end with /', 'must not contain an empty segment (//)']],
  ['trailing slash', 'cam1/', ['must not begin or end with /', 'must not contain an empty segment (//)']],
  ['only a slash', '/', ['must not begin or end with /', 'must not contain an empty segment (//)']],
  ['a .. segment', 'a/../b', ['must not contain a . or .. segment']],
  ['only ..', '..', ['must not contain a . or .. segment']],
  ['a . segment', 'a/./b', ['must not contain a . or .. segment']],
  ['a leading . segment', './a', ['must not contain a . or .. segment']],
  ['an empty segment', 'a//b', ['must not contain an empty segment (//)']],
  ['a space', 'front door', ['may contain only letters, digits and _ - / .']],
  ['a tilde', '~cam', ['may contain only letters, digits and _ - / .']],
  ['a colon', 'cam:1', ['may contain only letters, digits and _ - / .']],
  ['a query', 'cam?x=1', ['may contain only letters, digits and _ - / .']],
  ['a non-ASCII letter', 'kamera-ä', ['may contain only letters, digits and _ - / .']],
  ['a newline', 'cam\n1', ['may contain only letters, digits and _ - / .']],
  ['empty', '', ['must not be empty', 'may contain only letters, digits and _ - / .', 'must not contain an empty segment (//)']],
  ['too long', 'a'.repeat(256), ['must be at most 255 characters']],
];

const NO_SPACES = 'must not contain spaces or control characters (percent-encode them)';

const BAD_SOURCE_URLS: Array<[string, unknown, string[]]> = [
  ['ftp://', 'ftp://192.0.2.10/stream', ['must start with rtsp://, rtsps://, http:// or https://']],
  ['file://', 'file:///etc/passwd', ['must start with rtsp://, rtsps://, http:// or https://']],
  ['rtmp://', 'rtmp://192.0.2.10/live', ['must start with rtsp://, rtsps://, http:// or https://']],
  ['javascript:', 'javascript:alert(1)', ['must start with rtsp://, rtsps://, http:// or https://']],
  ['no host (rtsp)', 'rtsp:///stream', ['must name a host']],
  ['no host at all', 'rtsp://', ['must name a host']],
  ['no host (http)', 'http://', ['must be a URL such as rtsp://192.0.2.10:554/stream']],
  ['user and password', 'rtsp://u:p@192.0.2.10/x', ['must not contain a user name or password: set credential_id instead']],
  ['user only', 'rtsp://u@192.0.2.10/x', ['must not contain a user name or password: set credential_id instead']],
  ['empty user info', 'rtsp://@192.0.2.10/x', ['must not contain a user name or password: set credential_id instead']],
  ['password only', 'rtsp://:p@192.0.2.10/x', ['must not contain a user name or password: set credential_id instead']],
  ['user info over http', 'http://admin:admin@192.0.2.10/video.mjpg', ['must not contain a user name or password: set credential_id instead']],
  ['user info behind backslashes', 'https:\\\\admin:pw@192.0.2.10/x', ['must not contain a user name or password: set credential_id instead']],
  ['upper-case scheme with user info', 'RTSP://u:p@192.0.2.10/x', ['must not contain a user name or password: set credential_id instead']],
  ['not a URL', 'not-a-url', ['must be a URL such as rtsp://192.0.2.10:554/stream']],
  // The URL parser would quietly drop these, and the value would be stored with them.
  ['a leading space', ' rtsp://192.0.2.10/x', [NO_SPACES]],
  ['a trailing newline', 'rtsp://192.0.2.10/x\n', [NO_SPACES]],
  ['a tab in the host', 'rtsp://192.0.2.10\t/x', [NO_SPACES]],
  ['a space in the path', 'rtsp://192.0.2.10/my stream', [NO_SPACES]],
  ['a NUL character', 'rtsp://192.0.2.10/x\u0000', [NO_SPACES]],
  ['an invalid port', 'rtsp://192.0.2.10:99999/x', ['must be a URL such as rtsp://192.0.2.10:554/stream']],
  ['a bare host', '192.0.2.10:554/stream', ['must be a URL such as rtsp://192.0.2.10:554/stream']],
  ['a scheme but no slashes', 'rtsp:192.0.2.10/stream', ['must name a host']],
  ['empty', '', ['must be a URL such as rtsp://192.0.2.10:554/stream']],
  ['too long', `rtsp://192.0.2.10/${'a'.repeat(2048)}`, ['must be at most 2048 characters']],
  ['not a string', 554, ['Invalid input: expected string, received number']],
];

describe.each<Transport>(['rest', 'socket'])('camera validation over %s', (transport) => {
  const admin: Caller = { token: '' };
  let existingId = 0;
  const good = { name: 'validated', mtx_path: `validated-${transport}`, source_url: 'rtsp://192.0.2.20/x' };

  const call = async (command: string, entity?: number, payload?: Record<string, unknown>) => {
    const request: WireRequest = { module: 'cameras', command, entity, payload };
    return { ...(await send(server, transport, admin, request)), request };
  };
  const expectRefused = (answer: WireAnswer & { request: WireRequest }, path: string, messages: string[]) => {
    expect(answer.body).toEqual(errorShape(answer, answer.request, 400, 'validation_failed', NOT_VALID, messages.map((message) => ({ path, message }))));
    expect(answer.status).toBe(400);
  };

  beforeAll(async () => {
    admin.token = (await server.login()).bearer;
    const created = await call('create', undefined, good);
    expect(created.body.error).toBeUndefined();
    existingId = created.body.id;
  });
  afterAll(() => {
    admin.socket?.close();
  });

  it.each(BAD_MTX_PATHS)('refuses an mtx_path with %s', async (_label, value, messages) => {
    expectRefused(await call('create', undefined, { ...good, mtx_path: value }), 'payload.mtx_path', messages);
    expectRefused(await call('update', existingId, { mtx_path: value }), 'payload.mtx_path', messages);
  });

  it.each(BAD_SOURCE_URLS)('refuses a source_url with %s', async (_label, value, messages) => {
    expectRefused(await call('create', undefined, { ...good, mtx_path: `${good.mtx_path}-2`, source_url: value }), 'payload.source_url', messages);
    expectRefused(await call('update', existingId, { source_url: value }), 'payload.source_url', messages);
  });

  it('stored nothing of the refused values', async () => {
    const list = await call('list', undefined, { itemsPerPage: 100, search: good.mtx_path });
    expect(list.body.items).toEqual([expect.objectContaining({ id: existingId, ...good })]);
  });
});
