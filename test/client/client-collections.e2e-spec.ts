import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createClient, type RelayClient } from '@mtx-relay/client';
import { startCuttableProxy, type CuttableProxy } from '../support/cuttable-proxy.js';
import { eventually } from '../support/waiting.js';
import { ADMIN_PASSWORD, startServer, type TestServer } from '../support/test-server.js';

const PASSWORD = 'a-user-password-1';
let server: TestServer;
let proxy: CuttableProxy;
let admin: RelayClient;

beforeAll(async () => {
  server = await startServer();
  proxy = await startCuttableProxy(server.url);
  admin = await createClient({ url: server.url, username: 'admin', password: ADMIN_PASSWORD });
});

afterAll(async () => {
  admin?.close();
  await proxy?.close();
  await server?.stop();
});

const camera = (name: string) => admin.request('cameras', 'create', { payload: { name, mtx_path: name, source_url: `rtsp://127.0.0.1:8554/${name}` } });

/** What a fresh `list` gives this client, in the collection's form (by id; `status` is not kept). */
async function freshList(client: RelayClient): Promise<unknown[]> {
  const page = await client.request('cameras', 'list', { payload: { itemsPerPage: 100, sortBy: 'id' } });
  return page.items.map((item) => ({ ...item, status: null }));
}

const withoutState = (items: Array<Record<string, unknown>>) => items.map(({ state: _state, ...item }) => item);

describe('live collections', () => {
  it("keeps a user's cameras equal to a fresh list through creates, updates, deletes, grant changes and a reconnect", async () => {
    const [a, b, c] = [await camera('live-a'), await camera('live-b'), await camera('live-c')];
    const user = await admin.request('users', 'create', { payload: { username: 'watcher', password: PASSWORD, camera_ids: [a.id, b.id] } });
    const client = await createClient({ url: proxy.url, username: 'watcher', password: PASSWORD, reconnectDelayMs: 100, reconnectDelayMaxMs: 300, socketOptions: { transports: ['websocket'] } });
    try {
      const cameras = client.watch('cameras');
      let changes = 0;
      cameras.onChange(() => changes++);
      await cameras.ready;
      expect(cameras.items.map((item) => item.id)).toEqual([a.id, b.id]);

      await admin.request('cameras', 'update', { entity: a.id, payload: { name: 'live-a renamed' } });
      await admin.request('users', 'update', { entity: user.id, payload: { camera_ids: [a.id, c.id] } });
      await admin.request('cameras', 'delete', { entity: a.id });
      const d = await camera('live-d');
      await admin.request('users', 'update', { entity: user.id, payload: { camera_ids: [c.id, d.id] } });
      await eventually(async () => JSON.stringify(withoutState(cameras.items as never)) === JSON.stringify(await freshList(client)), Boolean);

      // Changes while the connection is down arrive through the resume.
      proxy.cut();
      await eventually(() => client.state, (state) => state === 'reconnecting');
      await admin.request('cameras', 'update', { entity: c.id, payload: { description: 'changed while away' } });
      await admin.request('users', 'update', { entity: user.id, payload: { camera_ids: [b.id, c.id, d.id] } });
      await admin.request('cameras', 'update', { entity: d.id, payload: { is_enabled: false } });
      proxy.restore();
      await eventually(() => client.state, (state) => state === 'connected');
      await eventually(async () => JSON.stringify(withoutState(cameras.items as never)) === JSON.stringify(await freshList(client)), Boolean);
      expect(cameras.items.map((item) => item.id)).toEqual([b.id, c.id, d.id]);
      expect(cameras.get(c.id)?.description).toBe('changed while away');
      expect(changes).toBeGreaterThan(3);
      cameras.close();
    } finally {
      client.close();
    }
  });

  it('keeps the users of an admin current', async () => {
    const users = admin.watch('users');
    await users.ready;
    const created = await admin.request('users', 'create', { payload: { username: 'watched', password: PASSWORD } });
    await admin.request('users', 'update', { entity: created.id, payload: { can_login: false } });
    await eventually(() => users.get(created.id)?.can_login, (canLogin) => canLogin === false);
    await admin.request('users', 'delete', { entity: created.id });
    await eventually(() => users.get(created.id), (user) => user === undefined);
    const fresh = await admin.request('users', 'list', { payload: { itemsPerPage: 100, sortBy: 'id' } });
    expect(users.items).toEqual(fresh.items);
    users.close();
  });

  it('keeps the credentials of an admin current', async () => {
    const credentials = admin.watch('credentials');
    await credentials.ready;
    const basic = await admin.request('credentials', 'create', { payload: { kind: 'basic', description: 'watched basic', username: 'cam', password: 'a-secret-1' } });
    const token = await admin.request('credentials', 'create', { payload: { kind: 'token', description: 'watched token', token: 'a-secret-2' } });
    await admin.request('credentials', 'update', { entity: basic.id, payload: { description: 'renamed' } });
    await eventually(() => credentials.get(basic.id)?.description, (description) => description === 'renamed');
    await admin.request('credentials', 'delete', { entity: token.id });
    await eventually(() => credentials.get(token.id), (credential) => credential === undefined);
    const fresh = await admin.request('credentials', 'list', { payload: { itemsPerPage: 100, sortBy: 'id' } });
    expect(credentials.items).toEqual(fresh.items);
    credentials.close();
  });

  it("keeps stream tokens current: a user's own, every one for an admin, and gone with their camera", async () => {
    const [kept, dropped] = [await camera('tokens-kept'), await camera('tokens-dropped')];
    await admin.request('users', 'create', { payload: { username: 'token-owner', password: PASSWORD, camera_ids: [kept.id, dropped.id] } });
    const owner = await createClient({ url: server.url, username: 'token-owner', password: PASSWORD });
    const everyToken = admin.watch('tokens');
    try {
      const own = owner.watch('tokens');
      await Promise.all([own.ready, everyToken.ready]);
      const first = await owner.request('tokens', 'create', { payload: { camera_id: kept.id, label: 'first' } });
      const second = await owner.request('tokens', 'create', { payload: { camera_id: dropped.id, label: 'second' } });
      const admins = await admin.request('tokens', 'create', { payload: { camera_id: kept.id, label: 'admin token' } });
      await eventually(() => own.items.map((item) => item.id), (ids) => ids.join() === [first.id, second.id].join());
      await owner.request('tokens', 'delete', { entity: first.id });
      await eventually(() => own.get(first.id)?.revoked_at, (revokedAt) => typeof revokedAt === 'string');
      await admin.request('cameras', 'delete', { entity: dropped.id });
      await eventually(() => own.get(second.id), (token) => token === undefined);
      await eventually(() => everyToken.get(second.id), (token) => token === undefined);

      const ownFresh = await owner.request('tokens', 'list', { payload: { itemsPerPage: 100, sortBy: 'id' } });
      expect(own.items).toEqual(ownFresh.items);
      expect(own.get(admins.id)).toBeUndefined();
      const allFresh = await admin.request('tokens', 'list', { payload: { itemsPerPage: 100, sortBy: 'id' } });
      await eventually(() => JSON.stringify(everyToken.items), (items) => items === JSON.stringify(allFresh.items));
      expect(everyToken.get(first.id)?.revoked_at).toEqual(expect.any(String));
    } finally {
      everyToken.close();
      owner.close();
    }
  });

  it('ends a revoked session: a revoked event, closed, and no reconnect', async () => {
    const user = await admin.request('users', 'create', { payload: { username: 'revoked', password: PASSWORD } });
    const client = await createClient({ url: server.url, username: 'revoked', password: PASSWORD, reconnectDelayMs: 50 });
    const reasons: string[] = [];
    const states: string[] = [];
    client.on('revoked', ({ reason }) => reasons.push(reason));
    client.on('connection', ({ state }) => states.push(state));
    await admin.request('users', 'update', { entity: user.id, payload: { password: 'another-password-2' } });
    await eventually(() => client.state, (state) => state === 'closed');
    expect(reasons).toEqual(['password changed']);
    // A request to a closed client fails at once, and the client never came back.
    await expect(client.request('system', 'read', { entity: 'ping' })).rejects.toMatchObject({ code: 'closed' });
    expect(states).not.toContain('connected');
  });
});

describe('init and presence', () => {
  it("keeps the connection's init, and who is online from it and the presence events", async () => {
    expect(admin.init).toMatchObject({ server: { version: expect.any(String), instance: expect.any(String) }, seq: expect.any(Number) });
    expect(admin.online.has(admin.user!.id)).toBe(true);
    const user = await admin.request('users', 'create', { payload: { username: 'present', password: PASSWORD } });
    const present = await createClient({ url: server.url, username: 'present', password: PASSWORD });
    try {
      await eventually(() => admin.online.has(user.id), Boolean);
      // A connection opened now knows them from its init, before any presence event.
      const late = await createClient({ url: server.url, username: 'admin', password: ADMIN_PASSWORD });
      expect(late.init?.usersOnline?.map(({ id }) => id)).toContain(user.id);
      expect(late.online.users.map(({ id }) => id)).toContain(user.id);
      late.close();
      present.close();
      await eventually(() => admin.online.has(user.id), (online) => !online);
    } finally {
      present.close();
    }
  });
});
