import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { io, type Socket } from 'socket.io-client';
import { record, type Recorder } from './support/events.js';
import { FakeMediaMtx, MediaMtxDriver } from './support/fake-mediamtx/index.js';
import { eventually, sleep } from './support/waiting.js';
import { connectSocket, rpc, startServer, type Seams, type TestServer } from './support/test-server.js';

const HOOK_SECRET = 'hook-secret-for-the-tests-0123456789';
const SERVICE_PASSWORD = 'service-password-for-the-tests-0123';
const SECRETS_KEY = 'ab'.repeat(32);

/** Each topic event once (by its `nestmtx:*` copy), in arrival order. */
const topicEvents = (recorder: Recorder, from = 0) => recorder.since(from).filter(({ event }) => event === 'nestmtx:*').map(({ payload }) => payload);
const describeEvent = (payload: any) => `${payload.domain}:${payload.event}:${payload.entity}:${payload.details?.name ?? payload.details?.username ?? ''}`;


interface World {
  fake: FakeMediaMtx;
  server: TestServer;
  driver: MediaMtxDriver;
  admin: string;
  viewer: { id: number; token: string };
  cameraA: number;
  cameraB: number;
  api(method: string, path: string, body?: unknown, token?: string): Promise<any>;
  socket(token: string): Promise<Recorder>;
  close(): Promise<void>;
}

const sharedEnv = (fake: FakeMediaMtx, extra: Record<string, string> = {}) => ({
  MEDIAMTX_API_URL: fake.url,
  MEDIAMTX_HOOK_SECRET: HOOK_SECRET,
  MEDIAMTX_SERVICE_PASSWORD: SERVICE_PASSWORD,
  SECRETS_KEY,
  BACKGROUND_LOCK_RETRY: '1',
  ...extra,
});

/** A server with cameras A and B and a user granted A only. */
async function world(env: Record<string, string> = {}, seams?: Seams): Promise<World> {
  const fake = await FakeMediaMtx.start();
  const server = await startServer({ env: sharedEnv(fake, env), seams });
  const sockets: Socket[] = [];
  const api = async (method: string, path: string, body?: unknown, token = admin) => {
    const answer = await server.http(method, path, { token, body });
    if (answer.status >= 300) throw new Error(`${method} ${path}: ${answer.text}`);
    return answer.body;
  };
  const admin = (await server.login()).bearer;
  const cameraA = (await api('POST', '/api/cameras', { name: 'A', mtx_path: 'cam-a', source_url: 'rtsp://192.0.2.1/a' })).id;
  const cameraB = (await api('POST', '/api/cameras', { name: 'B', mtx_path: 'cam-b', source_url: 'rtsp://192.0.2.2/b' })).id;
  const viewerUser = await api('POST', '/api/users', { username: 'viewer', password: 'viewer-password', camera_ids: [cameraA] });
  return {
    fake,
    server,
    driver: new MediaMtxDriver({ relayUrl: server.url, hookSecret: HOOK_SECRET }),
    admin,
    viewer: { id: viewerUser.id, token: (await server.login('viewer', 'viewer-password')).bearer },
    cameraA,
    cameraB,
    api,
    async socket(token: string) {
      const socket = await connectSocket(server.url, { auth: { token } });
      sockets.push(socket);
      return record(socket);
    },
    async close() {
      sockets.forEach((socket) => socket.close());
      await server.stop();
      await fake.stop();
    },
  };
}

/** The retained camera states as stored. */
async function cameraStates(databaseUrl: string): Promise<Array<{ camera_id: number; ready: boolean; readers: number }>> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return (await client.query('SELECT camera_id, ready, readers FROM camera_states ORDER BY camera_id')).rows;
  } finally {
    await client.end();
  }
}

/** Adds `count` disabled cameras straight in the database, each granted to the user. */
async function grantBulkCameras(databaseUrl: string, userId: number, count: number): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(
      `WITH bulk AS (
         INSERT INTO cameras (name, mtx_path, source_url, is_enabled)
         SELECT 'bulk ' || n, 'bulk-' || n, 'rtsp://192.0.2.9/' || n, false FROM generate_series(1, $2::int) AS n
         RETURNING id)
       INSERT INTO camera_grants (user_id, camera_id) SELECT $1, id FROM bulk`,
      [userId, count],
    );
  } finally {
    await client.end();
  }
}

describe('event log: sequence numbers, resume, retained state', () => {
  let w: World;

  beforeAll(async () => {
    w = await world({}, { replayDelayMs: 700 });
  });
  afterAll(async () => w.close());

  it('numbers every topic event from one sequence and tells init where the socket starts', async () => {
    const socket = io(w.server.url, { auth: { token: w.admin }, transports: ['websocket'], reconnection: false, forceNew: true });
    const recorder = record(socket);
    const init = (await recorder.waitFor(({ event }) => event === 'init')).payload;
    expect(init.seq).toEqual(expect.any(Number));
    await w.api('PUT', `/api/cameras/${w.cameraA}`, { description: 'one' });
    await w.api('PUT', `/api/cameras/${w.cameraB}`, { description: 'two' });
    await recorder.waitFor(({ event, payload }) => event === 'nestmtx:*' && payload.entity === w.cameraB && payload.event === 'updated');
    const seqs = topicEvents(recorder).map((payload) => payload.seq);
    expect(seqs.length).toBeGreaterThanOrEqual(2);
    expect(seqs[0]).toBeGreaterThan(init.seq);
    expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
    expect(new Set(seqs).size).toBe(seqs.length);
    // All three names carry the same seq.
    const updated = recorder.events.filter(({ payload }) => payload?.entity === w.cameraB && payload?.event === 'updated');
    expect(updated.map(({ event }) => event).sort()).toEqual(['camera:*', 'camera:updated', 'nestmtx:*']);
    expect(new Set(updated.map(({ payload }) => payload.seq)).size).toBe(1);
    socket.close();
  });

  it('replays exactly what a reconnecting user may see and missed, then live events, with no gap and no duplicate', async () => {
    const watcher = await w.socket(w.admin);
    const first = await w.socket(w.viewer.token);
    const subscribed = await rpc(first.socket, { module: 'subscriptions', command: 'create', payload: { topics: ['camera:*', 'users:*'] } });
    expect(subscribed).toMatchObject({ topics: ['camera:*', 'users:*'], replayed: 0 });
    await w.api('PUT', `/api/cameras/${w.cameraA}`, { name: 'A seen live' });
    const live = await first.waitFor(({ event, payload }) => event === 'nestmtx:*' && payload.details?.name === 'A seen live');
    const resumeFrom = live.payload.seq as number;
    first.socket.close();
    await sleep(100);

    // While it is away: some events it may see, some it may not.
    await w.api('PUT', `/api/cameras/${w.cameraA}`, { name: 'A missed 1' });
    await w.api('PUT', `/api/cameras/${w.cameraB}`, { name: 'B hidden 1' });
    await w.api('POST', '/api/users', { username: 'someone-else', password: 'someone-else-pw' });
    await w.api('PUT', `/api/users/${w.viewer.id}`, { username: 'viewer' });
    await w.api('POST', '/api/messages', { message: 'not subscribed to system messages' });
    // MediaMTX's state moves, then it runs the hook (the relay checks one against the other).
    w.fake.setAvailable('cam-a');
    await w.driver.ready('cam-a');
    w.fake.setAvailable('cam-b');
    await w.driver.ready('cam-b');
    await w.api('PUT', `/api/cameras/${w.cameraA}`, { name: 'A missed 2' });
    // Answers come before delivery: connect only once the missed events are out, or they would arrive live.
    await watcher.waitFor(({ event, payload }) => event === 'nestmtx:*' && payload.details?.name === 'A missed 2');
    // Camera A's retained state, which the subscription sends as soon as it holds live delivery.
    await eventually(() => cameraStates(w.server.databaseUrl), (rows) => rows.some((row) => row.camera_id === w.cameraA));

    const second = await w.socket(w.viewer.token);
    // Reaches the new socket live before it subscribes: the replay must not send it again.
    await w.api('PUT', `/api/cameras/${w.cameraA}`, { name: 'A live on the new socket' });
    await second.waitFor(({ event, payload }) => event === 'nestmtx:*' && payload.details?.name === 'A live on the new socket');
    const subscribing = second.mark();
    const answer = rpc(second.socket, { module: 'subscriptions', command: 'create', payload: { topics: ['camera:*', 'users:*'], since: resumeFrom } });
    // Live delivery is held from before the retained state goes out, and the replay waits before reading: these happen while it runs.
    await second.waitFor(({ event }) => event === 'camera:state', subscribing);
    await w.api('PUT', `/api/cameras/${w.cameraA}`, { name: 'A during replay 1' });
    await w.api('PUT', `/api/cameras/${w.cameraB}`, { name: 'B hidden 2' });
    await w.api('PUT', `/api/cameras/${w.cameraA}`, { name: 'A during replay 2' });
    const result = await answer;
    expect(result.replayed).toBe(4);
    await w.api('PUT', `/api/cameras/${w.cameraA}`, { name: 'A after' });
    await second.waitFor(({ event, payload }) => event === 'nestmtx:*' && payload.details?.name === 'A after');
    await sleep(200);

    const [liveFirst, ...received] = topicEvents(second).filter((payload) => !payload.retained);
    expect(describeEvent(liveFirst)).toBe(`camera:updated:${w.cameraA}:A live on the new socket`);
    expect(received.map(describeEvent)).toEqual([
      `camera:updated:${w.cameraA}:A missed 1`,
      `users:updated:${w.viewer.id}:viewer`,
      `camera:ready:${w.cameraA}:A missed 1`,
      `camera:updated:${w.cameraA}:A missed 2`,
      `camera:updated:${w.cameraA}:A during replay 1`,
      `camera:updated:${w.cameraA}:A during replay 2`,
      `camera:updated:${w.cameraA}:A after`,
    ]);
    const seqs = received.map((payload) => payload.seq);
    expect(seqs[0]).toBeGreaterThan(resumeFrom);
    expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
    expect(new Set([...seqs, liveFirst.seq]).size).toBe(seqs.length + 1);
    // Every name of each event, once each.
    const names = second.events.filter(({ payload }) => typeof payload?.seq === 'number' && !payload.retained).map(({ event, payload }) => `${event}@${payload.seq}`);
    expect(new Set(names).size).toBe(names.length);

    // Asking again from the same point sends nothing it already has.
    const again = await rpc(second.socket, { module: 'subscriptions', command: 'create', payload: { topics: ['camera:*'], since: resumeFrom } });
    expect(again.replayed).toBe(0);
  });

  it('narrows a socket to its topics; list and delete show and change them', async () => {
    const recorder = await w.socket(w.admin);
    expect(await rpc(recorder.socket, { module: 'subscriptions', command: 'list' })).toEqual({ topics: ['*'] });
    await rpc(recorder.socket, { module: 'subscriptions', command: 'create', payload: { topics: ['camera:ready'] } });
    expect(await rpc(recorder.socket, { module: 'subscriptions', command: 'list' })).toEqual({ topics: ['camera:ready'] });
    const mark = recorder.mark();
    await w.api('PUT', `/api/cameras/${w.cameraA}`, { description: 'not wanted' });
    // Camera B goes down (not a topic of this socket) and comes back.
    w.fake.setUnavailable('cam-b');
    await w.driver.notReady('cam-b');
    w.fake.setAvailable('cam-b');
    await w.driver.ready('cam-b');
    await recorder.waitFor(({ event }) => event === 'camera:ready', mark);
    await sleep(200);
    expect(topicEvents(recorder, mark).map((payload) => payload.event)).toEqual(['ready']);

    await rpc(recorder.socket, { module: 'subscriptions', command: 'create', payload: { topics: ['users:*'] } });
    expect(await rpc(recorder.socket, { module: 'subscriptions', command: 'delete', payload: { topics: ['camera:ready'] } })).toEqual({ topics: ['users:*'] });
    const quiet = recorder.mark();
    await w.driver.ready('cam-b');
    await w.api('PUT', `/api/users/${w.viewer.id}`, { username: 'viewer' });
    await recorder.waitFor(({ event }) => event === 'users:updated', quiet);
    await sleep(200);
    expect(topicEvents(recorder, quiet).map((payload) => `${payload.domain}:${payload.event}`)).toEqual(['users:updated']);

    expect(await rpc(recorder.socket, { module: 'subscriptions', command: 'delete', payload: { topics: ['users:*'] } })).toEqual({ topics: [] });
    expect(await rpc(recorder.socket, { module: 'subscriptions', command: 'create', payload: { topics: ['nestmtx:*'] } })).toMatchObject({ topics: ['*'] });
  });

  it('refuses unknown topics, bad since values and REST callers with clear errors', async () => {
    const recorder = await w.socket(w.viewer.token);
    const unknown = await rpc(recorder.socket, { module: 'subscriptions', command: 'create', payload: { topics: ['camera:exploded'] } });
    expect(unknown.error).toMatchObject({ status: 400, code: 'validation_failed', details: [{ path: 'payload.topics.0', message: expect.stringContaining('camera has no event "exploded"') }] });
    const domain = await rpc(recorder.socket, { module: 'subscriptions', command: 'create', payload: { topics: ['weather:*'] } });
    expect(domain.error.details[0].message).toContain('with a domain of: camera, credentials, users, system');
    const none = await rpc(recorder.socket, { module: 'subscriptions', command: 'create', payload: { topics: [] } });
    expect(none.error.code).toBe('validation_failed');
    const negative = await rpc(recorder.socket, { module: 'subscriptions', command: 'create', payload: { topics: ['*'], since: -1 } });
    expect(negative.error.details[0].path).toBe('payload.since');
    // Nothing was changed by the refused requests.
    expect(await rpc(recorder.socket, { module: 'subscriptions', command: 'list' })).toEqual({ topics: ['*'] });
    const rest = await w.server.http('POST', '/api/subscriptions', { token: w.viewer.token, body: { topics: ['*'] } });
    expect(rest.status).toBe(400);
    expect(rest.body.error.message).toBe('this command needs a socket');
  });

  it('answers gone for a since beyond the history', async () => {
    const recorder = await w.socket(w.viewer.token);
    const ahead = await rpc(recorder.socket, { module: 'subscriptions', command: 'create', payload: { topics: ['*'], since: 1_000_000 } });
    expect(ahead.error).toMatchObject({ status: 410, code: 'gone', details: [{ path: 'payload.since', oldestSeq: expect.any(Number), latestSeq: expect.any(Number) }] });
  });

  it("sends each visible camera's retained state on subscribing to camera status topics", async () => {
    await w.driver.ready('cam-a');
    for (const id of ['reader-1', 'reader-2']) {
      w.fake.addReader('cam-a', { type: 'rtspSession', id });
      await w.driver.read('cam-a', { type: 'rtspSession', id });
    }
    w.fake.setUnavailable('cam-b');
    await w.driver.notReady('cam-b');
    // Kept once each event is stored and delivered.
    await eventually(
      () => cameraStates(w.server.databaseUrl),
      (rows) => JSON.stringify(rows) === JSON.stringify([{ camera_id: w.cameraA, ready: true, readers: 2 }, { camera_id: w.cameraB, ready: false, readers: 0 }]),
    );

    const viewer = await w.socket(w.viewer.token);
    const answer = await rpc(viewer.socket, { module: 'subscriptions', command: 'create', payload: { topics: ['camera:ready'] } });
    expect(answer.retained).toBe(1);
    const states = viewer.events.filter(({ event }) => event === 'camera:state').map(({ payload }) => payload);
    expect(states).toEqual([
      { domain: 'camera', entity: w.cameraA, event: 'state', details: { ready: true, readers: 2 }, at: expect.any(String), seq: expect.any(Number), retained: true },
    ]);
    // A later subscription to other topics sends no state again.
    const mark = viewer.mark();
    await rpc(viewer.socket, { module: 'subscriptions', command: 'create', payload: { topics: ['users:*'] } });
    expect(viewer.since(mark).filter(({ event }) => event === 'camera:state')).toEqual([]);

    const admin = await w.socket(w.admin);
    await rpc(admin.socket, { module: 'subscriptions', command: 'create', payload: { topics: ['camera:*'] } });
    const adminStates = admin.events.filter(({ event }) => event === 'camera:state').map(({ payload }) => [payload.entity, payload.details]);
    expect(adminStates).toEqual([
      [w.cameraA, { ready: true, readers: 2 }],
      [w.cameraB, { ready: false, readers: 0 }],
    ]);
    for (const id of ['reader-1', 'reader-2']) {
      w.fake.removeReader('cam-a', id);
      await w.driver.unread('cam-a', { type: 'rtspSession', id });
    }
  });
});

describe('event log retention', () => {
  let w: World;

  beforeAll(async () => {
    w = await world({ EVENTS_RETENTION: '3', EVENTS_PRUNE_INTERVAL: '1' });
  });
  afterAll(async () => w.close());

  it('prunes old events in the background and answers gone, with the oldest kept seq, for a since before them', async () => {
    const recorder = await w.socket(w.admin);
    await w.api('PUT', `/api/cameras/${w.cameraA}`, { description: 'soon pruned' });
    const old = (await recorder.waitFor(({ event }) => event === 'camera:updated')).payload.seq;
    const probe = await w.socket(w.admin);
    const gone = await eventually(
      () => rpc(probe.socket, { module: 'subscriptions', command: 'create', payload: { topics: ['*'], since: old - 1 } }),
      (answer) => answer.error?.code === 'gone',
    );
    expect(gone.error).toMatchObject({ status: 410, code: 'gone', message: expect.stringContaining('no longer all kept') });
    expect(gone.error.details[0].oldestSeq).toBeGreaterThan(old);
    expect(w.server.output.some((line) => line.includes('pruned old events'))).toBe(true);
    // From what is still kept, resuming works.
    await w.api('PUT', `/api/cameras/${w.cameraA}`, { description: 'kept' });
    const kept = (await recorder.waitFor(({ event, payload }) => event === 'camera:updated' && payload.seq > old)).payload.seq;
    const fresh = await w.socket(w.admin);
    const resumed = await rpc(fresh.socket, { module: 'subscriptions', command: 'create', payload: { topics: ['*'], since: kept - 1 } });
    expect(resumed.replayed).toBeGreaterThanOrEqual(1);
  });
});

describe('event log row limit', () => {
  let w: World;

  beforeAll(async () => {
    w = await world({ EVENTS_MAX_ROWS: '100', EVENTS_PRUNE_INTERVAL: '1' });
  });
  afterAll(async () => w.close());

  it('keeps at most EVENTS_MAX_ROWS events, dropping the oldest', async () => {
    const recorder = await w.socket(w.admin);
    for (let index = 0; index < 130; index += 1) await w.api('POST', '/api/messages', { message: `message ${index}` });
    const last = (await recorder.waitFor(({ event, payload }) => event === 'system:message' && payload.message === 'message 129')).payload.seq;
    const gone = await eventually(
      () => rpc(recorder.socket, { module: 'subscriptions', command: 'create', payload: { topics: ['system:message'], since: 0 } }),
      // A prune may run between two of the messages: wait for the one after the last.
      (answer) => answer.error?.code === 'gone' && answer.error.details[0].oldestSeq > last - 100,
    );
    expect(gone.error).toMatchObject({ code: 'gone', details: [{ oldestSeq: expect.any(Number) }] });
    // A socket that did not see them live gets them replayed (each broadcast also makes an audit:created, so seqs skip).
    const seqOf = (message: string): number => recorder.events.find(({ event, payload }) => event === 'system:message' && payload.message === message)!.payload.seq;
    const fresh = await w.socket(w.admin);
    const replay = await rpc(fresh.socket, { module: 'subscriptions', command: 'create', payload: { topics: ['system:message'], since: seqOf('message 109') } });
    expect(replay.replayed).toBe(20);
  });
});

describe('an event insert the relay gave up on', () => {
  let w: World;
  beforeAll(async () => {
    w = await world({ DATABASE_QUERY_TIMEOUT: '3' });
  });
  afterAll(async () => w.close());

  it('is delivered once, at once and without seq, and is not stored later', async () => {
    const recorder = await w.socket(w.admin);
    const named = (message: string) => recorder.events.filter(({ payload }) => (payload?.details?.message ?? payload?.message) === message);
    const database = new pg.Client({ connectionString: w.server.databaseUrl });
    await database.connect();
    try {
      // Every event insert takes this lock: holding it makes the relay's insert wait past its timeout.
      await database.query('BEGIN');
      await database.query('SELECT pg_advisory_xact_lock($1, $2)', [0x6d747872, 2]);
      await w.api('POST', '/api/messages', { message: 'stuck behind the lock' });
      const unnumbered = await recorder.waitFor(({ event, payload }) => event === 'nestmtx:*' && payload?.details?.message === 'stuck behind the lock', 0, 15_000);
      expect(unnumbered.payload.seq).toBeNull();
      await eventually(() => w.server.output.some((line) => line.includes('could not store events')), Boolean);
      await database.query('COMMIT');
      // PostgreSQL cancelled the insert: it does not go through once the lock is free.
      await w.api('POST', '/api/messages', { message: 'after the lock' });
      const after = await recorder.waitFor(({ event, payload }) => event === 'nestmtx:*' && payload?.details?.message === 'after the lock');
      expect(after.payload.seq).toEqual(expect.any(Number));
      expect((await database.query(`SELECT seq FROM events WHERE details->>'message' = 'stuck behind the lock'`)).rows).toEqual([]);
      expect(named('stuck behind the lock').map(({ event }) => event).sort()).toEqual(['nestmtx:*', 'system:*', 'system:message']);
    } finally {
      await database.end();
    }
  });
});

describe('two instances on one database', () => {
  let w: World;
  let second: TestServer;

  beforeAll(async () => {
    w = await world({ EVENTS_PRUNE_INTERVAL: '1', MEDIAMTX_RECONCILE_SECONDS: '1' });
    second = await startServer({ databaseUrl: w.server.databaseUrl, env: sharedEnv(w.fake, { EVENTS_PRUNE_INTERVAL: '1', MEDIAMTX_RECONCILE_SECONDS: '1' }) });
  });
  afterAll(async () => {
    await second.stop();
    await w.close();
  });

  const leads = (server: TestServer) => server.output.some((line) => line.includes('now runs the background work'));

  it('runs background work on one of them only, and delivers every event on both with the same seq', async () => {
    expect(leads(w.server)).toBe(true);
    expect(leads(second)).toBe(false);

    const onFirst = await w.socket(w.viewer.token);
    const secondToken = (await second.login('viewer', 'viewer-password')).bearer;
    const onSecond = record(await connectSocket(second.url, { auth: { token: secondToken } }));
    // A change made through the instance that does not run the sync still reaches MediaMTX, once.
    w.fake.clearRequests();
    const created = await second.http('POST', '/api/cameras', { token: (await second.login()).bearer, body: { name: 'C', mtx_path: 'cam-c', source_url: 'rtsp://192.0.2.3/c' } });
    expect(created.status).toBe(201);
    await eventually(() => w.fake.pathConfigNames(), (names) => names.includes('cam-c'));
    await w.api('PUT', `/api/cameras/${w.cameraA}`, { description: 'from the first' });
    await sleep(2500);
    expect(w.fake.requestsTo('POST', /\/v3\/config\/paths\/(add|replace)\/cam-c$/)).toHaveLength(1);

    const fromFirst = await onFirst.waitFor(({ event, payload }) => event === 'camera:updated' && payload.details.changed?.includes('description'));
    const fromSecond = await onSecond.waitFor(({ event, payload }) => event === 'camera:updated' && payload.details.changed?.includes('description'));
    expect(fromSecond.payload).toEqual(fromFirst.payload);
    onSecond.socket.close();

    // Pruning runs on the first instance only.
    expect(w.server.output.some((line) => line.includes('event pruning ran'))).toBe(true);
    expect(second.output.some((line) => line.includes('event pruning ran'))).toBe(false);
  });

  it('follows a grant change and a revocation made on the other instance at once', async () => {
    const token = (await second.login('viewer', 'viewer-password')).bearer;
    const onSecond = record(await connectSocket(second.url, { auth: { token } }));
    await w.api('PUT', `/api/users/${w.viewer.id}`, { camera_ids: [w.cameraA, w.cameraB] });
    // The other instance reads the new grants back when it hears of the change: until then camera B's events pass it by.
    let round = 0;
    await eventually(async () => {
      const from = onSecond.mark();
      round += 1;
      await w.api('PUT', `/api/cameras/${w.cameraB}`, { description: `now visible ${round}` });
      return onSecond.waitFor(({ event, payload }) => event === 'camera:updated' && payload.entity === w.cameraB, from, 1000).then(
        () => true,
        () => false,
      );
    }, Boolean);
    expect((await second.http('GET', `/api/cameras/${w.cameraB}`, { token })).status).toBe(200);

    const disconnected = new Promise((resolve) => onSecond.socket.once('disconnect', resolve));
    await w.api('PUT', `/api/users/${w.viewer.id}`, { can_login: false });
    await onSecond.waitFor(({ event }) => event === 'session:revoked');
    await disconnected;
    expect((await second.http('GET', `/api/cameras/${w.cameraA}`, { token })).status).toBe(401);
  });

  it('follows an access change of a user granted thousands of cameras, made on the other instance', async () => {
    const many = await w.api('POST', '/api/users', { username: 'many', password: 'many-password', camera_ids: [w.cameraA, w.cameraB] });
    await grantBulkCameras(w.server.databaseUrl, many.id, 2000);
    const granted: number[] = (await w.api('GET', `/api/users/${many.id}`)).camera_ids;
    expect(granted).toHaveLength(2002);
    const onSecond = record(await connectSocket(second.url, { auth: { token: (await second.login('many', 'many-password')).bearer } }));
    let round = 0;
    /** Changes camera B, then A; events come in seq order, so B's comes first when it comes at all. */
    const seesCameraB = async () => {
      const from = onSecond.mark();
      round += 1;
      await w.api('PUT', `/api/cameras/${w.cameraB}`, { description: `round ${round}` });
      await w.api('PUT', `/api/cameras/${w.cameraA}`, { description: `round ${round}` });
      await onSecond.waitFor(({ event, payload }) => event === 'camera:updated' && payload.entity === w.cameraA, from);
      return onSecond.since(from).some(({ event, payload }) => event === 'camera:updated' && payload.entity === w.cameraB);
    };
    expect(await seesCameraB()).toBe(true);

    // Revoked on the first instance: the grant list is far beyond what one NOTIFY may carry.
    await w.api('PUT', `/api/users/${many.id}`, { camera_ids: granted.filter((id) => id !== w.cameraB) });
    await eventually(seesCameraB, (sees) => !sees, 5000);
    expect(await seesCameraB()).toBe(false);
    expect(onSecond.socket.connected).toBe(true);
    const signalErrors = (server: TestServer) => server.output.filter((line) => /"level":(40|50)/.test(line) && line.includes('instance'));
    expect(signalErrors(w.server)).toEqual([]);
    expect(signalErrors(second)).toEqual([]);
    onSecond.socket.close();
  });

  it('hands the background work over when the instance doing it stops', async () => {
    await w.server.stop();
    await eventually(() => leads(second), (taken) => taken, 10000);
    const token = (await second.login()).bearer;
    const created = await second.http('POST', '/api/cameras', { token, body: { name: 'D', mtx_path: 'cam-d', source_url: 'rtsp://192.0.2.4/d' } });
    expect(created.status).toBe(201);
    await eventually(() => w.fake.pathConfigNames(), (names) => names.includes('cam-d'));
  });
});
