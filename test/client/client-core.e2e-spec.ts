import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createClient, RelayError, type RelayClient, type TopicPayload } from '@mtx-relay/client';
import { eventually } from '../support/waiting.js';
import { ADMIN_PASSWORD, startServer, type TestServer } from '../support/test-server.js';

let server: TestServer;
let client: RelayClient;

beforeAll(async () => {
  server = await startServer();
  client = await createClient({ url: server.url, username: 'admin', password: ADMIN_PASSWORD });
});

afterAll(async () => {
  client?.close();
  await server?.stop();
});

describe('the client', () => {
  it('signs in, answers a typed request and hears the topic it caused', async () => {
    expect(client.state).toBe('connected');
    expect(client.user?.username).toBe('admin');
    const heard: TopicPayload[] = [];
    const stop = client.on('camera:created', (event) => heard.push(event));
    const camera = await client.request('cameras', 'create', { payload: { name: 'core', mtx_path: 'core', source_url: 'rtsp://127.0.0.1:8554/core' } });
    expect(camera.name).toBe('core');
    const read = await client.request('cameras', 'read', { entity: camera.id });
    expect(read.mtx_path).toBe('core');
    await eventually(() => heard.length, (count) => count === 1);
    expect(heard[0]).toMatchObject({ domain: 'camera', event: 'created', entity: camera.id });
    stop();
  });

  it('rejects with the server code, status and details', async () => {
    const refusal = await client.request('cameras', 'read', { entity: 999999 }).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(RelayError);
    expect(refusal).toMatchObject({ code: 'not_found', status: 404 });
    const invalid = await client.request('users', 'create', { payload: { username: '', password: 'x' } }).catch((error: unknown) => error);
    expect(invalid).toMatchObject({ code: 'validation_failed', status: 400 });
    expect((invalid as RelayError).details.length).toBeGreaterThan(0);
  });
});

/** Every module's commands through the client; `rest` sends them over HTTP (no socket). */
async function everyModule(admin: RelayClient, rest: boolean): Promise<void> {
  const tag = rest ? 'rest' : 'socket';
  const credential = await admin.request('credentials', 'create', { payload: { kind: 'basic', username: 'cam', password: 'cam-secret' } });
  expect((await admin.request('credentials', 'read', { entity: credential.id })).kind).toBe('basic');
  await admin.request('credentials', 'update', { entity: credential.id, payload: { description: `${tag} credential` } });
  expect((await admin.request('credentials', 'list', { payload: { search: `${tag} credential` } })).total).toBe(1);

  const camera = await admin.request('cameras', 'create', { payload: { name: `${tag} cam`, mtx_path: `${tag}-cam`, source_url: 'rtsp://127.0.0.1:8554/x', credential_id: credential.id } });
  expect((await admin.request('cameras', 'update', { entity: camera.id, payload: { description: 'changed' } })).description).toBe('changed');
  expect((await admin.request('cameras', 'list', { payload: { search: `${tag} cam` } })).items.map((item) => item.id)).toEqual([camera.id]);

  const user = await admin.request('users', 'create', { payload: { username: `${tag}-user`, password: 'a-user-password-1', camera_ids: [camera.id] } });
  expect((await admin.request('users', 'read', { entity: user.id })).camera_ids).toEqual([camera.id]);
  expect((await admin.request('users', 'update', { entity: user.id, payload: { can_login: false } })).can_login).toBe(false);
  expect((await admin.request('users', 'list', { payload: { search: `${tag}-user` } })).total).toBe(1);

  const token = await admin.request('tokens', 'create', { payload: { camera_id: camera.id, label: tag } });
  expect((await admin.request('tokens', 'read', { entity: token.id })).label).toBe(tag);
  expect((await admin.request('tokens', 'list')).items.some((item) => item.id === token.id)).toBe(true);
  expect(await admin.request('tokens', 'delete', { entity: token.id })).toMatchObject({ deleted: true });

  expect((await admin.request('health', 'list')).database).toBe('up');
  expect(Array.isArray((await admin.request('logs', 'list', { payload: { limit: 5 } })).items)).toBe(true);
  expect(await admin.request('messages', 'create', { payload: { message: `hello from ${tag}` } })).toMatchObject({ delivered: true });
  expect((await admin.request('system', 'read', { entity: 'ping' })).pong).toBe(true);

  expect(await admin.request('users', 'delete', { entity: user.id })).toMatchObject({ deleted: true });
  expect(await admin.request('cameras', 'delete', { entity: camera.id })).toMatchObject({ deleted: true });
  expect(await admin.request('credentials', 'delete', { entity: credential.id })).toMatchObject({ deleted: true });
}

describe('every module through the client', () => {
  it('runs list, create, read, update and delete of every module over the socket', async () => {
    await everyModule(client, false);
    // The socket-only modules.
    expect(await client.request('subscriptions', 'list')).toEqual({ topics: ['*'] });
    expect((await client.request('subscriptions', 'create', { payload: { topics: ['camera:*'] } })).topics).toEqual(['*', 'camera:*']);
    expect((await client.request('subscriptions', 'delete', { payload: { topics: ['camera:*'] } })).topics).toEqual(['*']);
    expect(await client.request('logs', 'update', { payload: { level: 40 } })).toMatchObject({ level: 40 });
    await client.request('logs', 'delete');
  });

  it('runs them over REST with socket: false, and logs in, refreshes and logs out', async () => {
    const rest = await createClient({ url: server.url, username: 'admin', password: ADMIN_PASSWORD, socket: false });
    expect(rest.state).toBe('connecting');
    await everyModule(rest, true);
    const session = await rest.request('auth', 'create', { payload: { username: 'admin', password: ADMIN_PASSWORD } });
    const rotated = await rest.request('auth', 'refresh', { payload: { refresh: session.refresh } });
    expect(rotated.refresh).not.toBe(session.refresh);
    const socketOnly = await rest.request('subscriptions', 'list').catch((error: unknown) => error);
    expect(socketOnly).toMatchObject({ code: 'validation_failed' });
    expect(await rest.request('auth', 'delete')).toEqual({ loggedOut: true });
    expect(await rest.request('health', 'list').catch((error: unknown) => error)).toMatchObject({ status: 'ok' });
    rest.close();
  });

  it('moves its socket onto a fresh token with auth update, and ends with auth delete', async () => {
    const own = await createClient({ url: server.url, username: 'admin', password: ADMIN_PASSWORD });
    const revoked: string[] = [];
    own.on('revoked', ({ reason }) => revoked.push(reason));
    const fresh = await own.request('auth', 'create', { payload: { username: 'admin', password: ADMIN_PASSWORD } });
    expect((await own.request('auth', 'update', { payload: { token: fresh.bearer } })).expiration).toBe(fresh.expiration);
    expect(await own.request('auth', 'delete')).toEqual({ loggedOut: true });
    await eventually(() => own.state, (state) => state === 'closed');
    expect(revoked).toEqual(['logged out']);
  });
});
