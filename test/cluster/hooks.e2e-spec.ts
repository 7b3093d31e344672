import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { io } from 'socket.io-client';
import { BACKGROUND_WORK_LOCK, LOCK_NAMESPACE } from '../../src/jobs/leadership.service.js';
import { startCluster, SHARED_SECRETS, type Cluster } from '../support/cluster.js';
import { rpc, type ClientSocket } from '../support/test-server.js';
import { eventually } from '../support/waiting.js';

interface Watcher {
  socket: ClientSocket;
  instance: string;
  events: Array<{ event: string; payload: any }>;
}

async function watch(url: string, token: string): Promise<Watcher> {
  const socket = io(url, { auth: { token }, transports: ['websocket'], reconnection: false, forceNew: true, autoConnect: false });
  const events: Watcher['events'] = [];
  socket.onAny((event: string, payload: unknown) => events.push({ event, payload }));
  socket.connect();
  const init: any = await eventually(() => events.find((entry) => entry.event === 'init')?.payload, (found) => found !== undefined);
  await rpc(socket, { module: 'subscriptions', command: 'create', payload: { topics: ['camera:*'] } });
  return { socket, instance: init.server.instance, events };
}

const cameraEvents = (watcher: Watcher, cameraId: number) =>
  watcher.events
    .filter(({ event, payload }) => /^camera:(ready|notReady|read|unread)$/.test(event) && payload.entity === cameraId)
    .map(({ event, payload }) => `${event}${payload.details.readers === undefined ? '' : `:${payload.details.readers}`}`);

/** A hook as MediaMTX's hook command sends it, through the proxy. */
const sendHook = (url: string, event: string, readerId?: string) =>
  fetch(`${url}/api/mediamtx/hooks/${event}`, {
    method: 'POST',
    headers: {
      'x-hook-secret': SHARED_SECRETS.MEDIAMTX_HOOK_SECRET,
      'x-mtx-path': 'porch',
      ...(readerId ? { 'x-mtx-reader-id': readerId, 'x-mtx-reader-type': 'rtspSession' } : { 'x-mtx-source-type': 'rtspSource', 'x-mtx-source-id': 'src' }),
    },
  });

const TAKES_OVER = 'this instance now runs the background work';

describe('MediaMTX hooks through nginx, to either instance', () => {
  let cluster: Cluster;
  let admin: string;
  const watchers: Watcher[] = [];

  beforeAll(async () => {
    cluster = await startCluster();
    admin = (await cluster.instances[0].login()).bearer;
  }, 120_000);
  afterAll(async () => {
    for (const watcher of watchers) watcher.socket.close();
    await cluster?.stop();
  });

  it('keeps one stream state and publishes each camera event once, whichever instance gets each hook', async () => {
    for (let attempt = 0; attempt < 8 && new Set(watchers.map((watcher) => watcher.instance)).size < 2; attempt += 1) watchers.push(await watch(cluster.url, admin));
    expect(new Set(watchers.map((watcher) => watcher.instance)).size).toBe(2);
    const created = await fetch(`${cluster.url}/api/cameras`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Porch', mtx_path: 'porch', source_url: 'rtsp://192.0.2.40/live' }),
    });
    const camera = (await created.json()) as { id: number };
    const hooks: Array<[string, string?]> = [['ready'], ['read', 'r1'], ['read', 'r2'], ['read', 'r3'], ['unread', 'r1'], ['read', 'r4']];
    const expected = ['camera:ready:0', 'camera:read:1', 'camera:read:2', 'camera:read:3', 'camera:unread:2', 'camera:read:3'];
    for (const [index, [event, readerId]] of hooks.entries()) {
      // Round-robin: consecutive hooks reach the two instances in turn, as MediaMTX's hook commands behind the proxy would.
      const answer = await sendHook(cluster.url, event, readerId);
      expect(answer.status).toBe(204);
      await eventually(() => watchers.map((watcher) => cameraEvents(watcher, camera.id).length), (counts) => counts.every((count) => count >= index + 1));
    }
    for (const watcher of watchers) expect(cameraEvents(watcher, camera.id)).toEqual(expected);
    // Both instances took hooks.
    for (const instance of cluster.instances) expect(instance.output.some((line) => line.includes('/api/mediamtx/hooks/'))).toBe(true);
  });
});

describe('a MediaMTX hook sent while no instance runs the background work', () => {
  let cluster: Cluster;
  const clients: pg.Client[] = [];
  let watcher: Watcher | undefined;

  beforeAll(async () => {
    cluster = await startCluster({ env: { BACKGROUND_LOCK_RETRY: '1' } });
  }, 120_000);
  afterAll(async () => {
    watcher?.socket.close();
    for (const client of clients) await client.end().catch(() => undefined);
    await cluster?.stop();
  });

  const databaseClient = async (): Promise<pg.Client> => {
    const client = new pg.Client({ connectionString: cluster.databaseUrl });
    await client.connect();
    clients.push(client);
    return client;
  };

  it('is kept and applied once by the instance that takes over', async () => {
    const [leader, survivor] = cluster.instances;
    expect(leader.output.some((line) => line.includes(TAKES_OVER))).toBe(true);
    const admin = (await survivor.login()).bearer;
    const created = await survivor.http<{ id: number }>('POST', '/api/cameras', { token: admin, body: { name: 'Porch', mtx_path: 'porch', source_url: 'rtsp://192.0.2.40/live' } });
    expect(created.status).toBe(201);
    watcher = await watch(survivor.url, admin);
    expect(watcher.instance).toBe('relay-2');

    // A session of the test queues for the background-work lock, so that when the leader dies the
    // lock goes to it and not to the survivor: no instance runs the background work until it lets go.
    const holder = await databaseClient();
    const held = holder.query('SELECT pg_advisory_lock($1, $2)', [LOCK_NAMESPACE, BACKGROUND_WORK_LOCK]);
    const observer = await databaseClient();
    await eventually(
      async () => (await observer.query(`SELECT count(*)::int AS waiting FROM pg_locks WHERE locktype = 'advisory' AND NOT granted`)).rows[0].waiting as number,
      (waiting) => waiting === 1,
    );
    leader.process.kill('SIGKILL');
    await held;

    expect((await sendHook(cluster.url, 'ready')).status).toBe(204);
    expect(survivor.output.some((line) => line.includes(TAKES_OVER))).toBe(false);
    await holder.end();

    await eventually(() => survivor.output.some((line) => line.includes(TAKES_OVER)), (found) => found, 30_000);
    await eventually(() => cameraEvents(watcher!, created.body.id), (events) => events.length >= 1);
    // A later hook, applied after the kept one: nothing published twice in between.
    expect((await sendHook(cluster.url, 'read', 'r1')).status).toBe(204);
    await eventually(() => cameraEvents(watcher!, created.body.id), (events) => events.length >= 2);
    expect(cameraEvents(watcher, created.body.id)).toEqual(['camera:ready:0', 'camera:read:1']);
    expect((await observer.query('SELECT count(*)::int AS waiting FROM relayed_hooks')).rows[0].waiting).toBe(0);
  });
});

const HOOK_MODE = 'MediaMTX hooks are applied';
const ALONE = 'no other instance is on the database';
const readiness = (watcher: Watcher, cameraId: number) =>
  watcher.events.filter(({ event, payload }) => /^camera:(ready|notReady)$/.test(event) && payload.entity === cameraId).map(({ event }) => event);

describe('MediaMTX hooks that reach different instances', () => {
  let cluster: Cluster;
  let database: pg.Client | undefined;
  let watcher: Watcher | undefined;

  beforeAll(async () => {
    // The instance running the background work waits 1.5 s before each take of stored hooks: a hook
    // passed on lands that much later than one it would apply at once.
    cluster = await startCluster({ seams: { relayedHooksDelayMs: 1500 } });
    database = new pg.Client({ connectionString: cluster.databaseUrl });
    await database.connect();
  }, 120_000);
  afterAll(async () => {
    watcher?.socket.close();
    await database?.end().catch(() => undefined);
    await cluster?.stop();
  });

  it('are applied in the order the cluster received them: `ready` on one instance, then `notReady` on the other', async () => {
    const [leader, follower] = cluster.instances;
    expect(leader.output.some((line) => line.includes(TAKES_OVER))).toBe(true);
    const admin = (await leader.login()).bearer;
    const created = await leader.http<{ id: number }>('POST', '/api/cameras', { token: admin, body: { name: 'Porch', mtx_path: 'porch', source_url: 'rtsp://192.0.2.40/live' } });
    expect(created.status).toBe(201);
    watcher = await watch(leader.url, admin);
    // The follower announced itself when it started: the leader no longer counts itself alone.
    await eventually(() => leader.output.filter((line) => line.includes(HOOK_MODE)).at(-1) ?? '', (line) => !line.includes(ALONE));

    expect((await sendHook(follower.url, 'ready')).status).toBe(204);
    expect((await sendHook(leader.url, 'notReady')).status).toBe(204);

    await eventually(() => readiness(watcher!, created.body.id), (events) => events.length >= 2);
    expect(readiness(watcher, created.body.id)).toEqual(['camera:ready', 'camera:notReady']);
    const state = async () => (await database!.query('SELECT ready FROM camera_states WHERE camera_id = $1', [created.body.id])).rows[0]?.ready as boolean | undefined;
    await eventually(state, (ready) => ready === false);
    expect((await database!.query('SELECT count(*)::int AS waiting FROM relayed_hooks')).rows[0].waiting).toBe(0);
  });
});

describe('MediaMTX hooks on a lone instance', () => {
  let cluster: Cluster;
  let database: pg.Client | undefined;
  let watcher: Watcher | undefined;

  beforeAll(async () => {
    cluster = await startCluster({ count: 1 });
    database = new pg.Client({ connectionString: cluster.databaseUrl });
    await database.connect();
  }, 120_000);
  afterAll(async () => {
    watcher?.socket.close();
    await database?.end().catch(() => undefined);
    await cluster?.stop();
  });

  it('are applied at once, without a trip through the database', async () => {
    const [alone] = cluster.instances;
    const admin = (await alone.login()).bearer;
    const created = await alone.http<{ id: number }>('POST', '/api/cameras', { token: admin, body: { name: 'Porch', mtx_path: 'porch', source_url: 'rtsp://192.0.2.40/live' } });
    watcher = await watch(alone.url, admin);
    await eventually(() => alone.output.filter((line) => line.includes(HOOK_MODE)).at(-1) ?? '', (line) => line.includes(ALONE));

    for (const event of ['ready', 'notReady', 'ready']) expect((await sendHook(alone.url, event)).status).toBe(204);
    await eventually(() => readiness(watcher!, created.body.id), (events) => events.length >= 3);
    expect(readiness(watcher, created.body.id)).toEqual(['camera:ready', 'camera:notReady', 'camera:ready']);
    // No hook was ever stored.
    expect((await database!.query('SELECT is_called FROM relayed_hooks_id_seq')).rows[0].is_called).toBe(false);
  });
});
