import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { io } from 'socket.io-client';
import { record, type Received, type Recorder } from './support/events.js';
import { eventually } from './support/waiting.js';
import { connectSocket, rpc, startServer, type TestServer } from './support/test-server.js';

const PASSWORD = 'a-user-password-1';
const CRUD = new Set(['created', 'updated', 'deleted']);
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

type Who = 'admin' | 'admin2' | 'granted' | 'other';
const EVERYONE: Who[] = ['admin', 'admin2', 'granted', 'other'];

let server: TestServer;
let adminToken = '';
const tokens = {} as Record<Who, string>;
const ids = {} as Record<Who, number>;
const sockets = {} as Record<Who, Recorder>;
let cameraA = 0;
let barrier = 0;
let round = 0;

const http = async (method: string, path: string, body?: unknown, token = adminToken) => {
  const answer = await server.http(method, path, { token, body });
  expect(answer.body?.error).toBeUndefined();
  return answer.body;
};

/** The CRUD topic events of a socket, as `<topic> <domain>:<event> <entity>`; the barrier camera's own are left out. */
const topicsOf = (received: Received[]): string[] =>
  received
    .filter(({ event, payload }) => /^(camera|users|credentials|nestmtx):/.test(event) && payload?.domain !== 'audit' && CRUD.has(payload?.event))
    .filter(({ payload }) => !(payload.domain === 'camera' && payload.entity === barrier))
    .map(({ event, payload }) => `${event} ${payload.domain}:${payload.event} ${payload.entity}`);

/** The three topics one domain event goes out on, in order. */
const delivered = (domain: string, event: string, entity: number): string[] =>
  [`${domain}:${event}`, `${domain}:*`, 'nestmtx:*'].map((topic) => `${topic} ${domain}:${event} ${entity}`);

/**
 * Runs `action`, then renames the barrier camera, which every socket sees; once each socket
 * has the barrier's last topic, anything the action caused has arrived too.
 */
async function act(action: () => Promise<unknown>): Promise<Record<Who, string[]>> {
  const marks = Object.fromEntries(EVERYONE.map((who) => [who, sockets[who].mark()])) as Record<Who, number>;
  await action();
  const name = `barrier ${++round}`;
  await http('PUT', `/api/cameras/${barrier}`, { name });
  const seen = {} as Record<Who, string[]>;
  await Promise.all(
    EVERYONE.map(async (who) => {
      await sockets[who].waitFor(({ event, payload }) => event === 'nestmtx:*' && payload?.entity === barrier && payload.details?.name === name, marks[who]);
      seen[who] = topicsOf(sockets[who].since(marks[who]));
    }),
  );
  return seen;
}

/** What each socket must have received: exactly these, nothing else. */
const expectDeliveries = (seen: Record<Who, string[]>, expected: Partial<Record<Who, string[]>>) => {
  expect(seen).toEqual(Object.fromEntries(EVERYONE.map((who) => [who, expected[who] ?? []])));
};

beforeAll(async () => {
  server = await startServer();
  adminToken = (await server.login()).bearer;
  cameraA = (await http('POST', '/api/cameras', { name: 'Camera A', mtx_path: 'a', source_url: 'rtsp://192.0.2.1/a' })).id;
  barrier = (await http('POST', '/api/cameras', { name: 'barrier', mtx_path: 'barrier', source_url: 'rtsp://192.0.2.1/b' })).id;
  for (const [who, extra] of [
    ['admin2', { role: 'admin', camera_ids: [barrier] }],
    ['granted', { camera_ids: [cameraA, barrier] }],
    ['other', { camera_ids: [barrier] }],
  ] as const) {
    ids[who] = (await http('POST', '/api/users', { username: who, password: PASSWORD, ...extra })).id;
    tokens[who] = (await server.login(who, PASSWORD)).bearer;
  }
  ids.admin = 1;
  tokens.admin = adminToken;
  for (const who of EVERYONE) sockets[who] = record(await connectSocket(server.url, { auth: { token: tokens[who] } }));
});
afterAll(async () => {
  for (const recorder of Object.values(sockets)) recorder.socket.close();
  await server?.stop();
});

describe('camera events', () => {
  it('a new camera is announced to admins only: nobody is granted it yet', async () => {
    let created = 0;
    const seen = await act(async () => (created = (await http('POST', '/api/cameras', { name: 'New', mtx_path: 'new', source_url: 'rtsp://192.0.2.1/n' })).id));
    expectDeliveries(seen, { admin: delivered('camera', 'created', created), admin2: delivered('camera', 'created', created) });
  });

  it('a change to camera A reaches admins and the user granted it, with the same payload on all three topics', async () => {
    const mark = sockets.granted.mark();
    const seen = await act(() => http('PUT', `/api/cameras/${cameraA}`, { description: 'by the door', is_enabled: false }));
    const events = delivered('camera', 'updated', cameraA);
    expectDeliveries(seen, { admin: events, admin2: events, granted: events });

    const payloads = sockets.granted
      .since(mark)
      .filter(({ payload }) => payload?.entity === cameraA)
      .map(({ payload }) => payload);
    expect(payloads).toHaveLength(3);
    expect(payloads[0]).toEqual({
      domain: 'camera',
      entity: cameraA,
      event: 'updated',
      details: { name: 'Camera A', mtx_path: 'a', is_enabled: false, changed: ['description', 'is_enabled'] },
      at: expect.stringMatching(ISO),
      seq: expect.any(Number),
    });
    expect(Object.keys(payloads[0]).sort()).toEqual(['at', 'details', 'domain', 'entity', 'event', 'seq']);
    expect(payloads[1]).toEqual(payloads[0]);
    expect(payloads[2]).toEqual(payloads[0]);
  });

  it('a camera nobody is granted is changed and deleted for admins’ eyes only', async () => {
    let id = 0;
    const seen = await act(async () => {
      id = (await http('POST', '/api/cameras', { name: 'Private', mtx_path: 'private', source_url: 'rtsp://192.0.2.1/p' })).id;
      await http('PUT', `/api/cameras/${id}`, { name: 'Still private' });
      await http('DELETE', `/api/cameras/${id}`);
    });
    const events = ['created', 'updated', 'deleted'].flatMap((event) => delivered('camera', event, id));
    expectDeliveries(seen, { admin: events, admin2: events });
  });
});

describe('credentials events', () => {
  it('go to admins only, with details that hold no secret', async () => {
    const password = `a-camera-password-${Date.now()}`;
    let id = 0;
    const marks = { admin: sockets.admin.mark() };
    const seen = await act(async () => {
      id = (await http('POST', '/api/credentials', { kind: 'basic', description: 'NVR', username: 'viewer', password })).id;
      await http('PUT', `/api/credentials/${id}`, { password: `${password}-2`, description: 'NVR 2' });
      await http('DELETE', `/api/credentials/${id}`);
    });
    const events = [...delivered('credentials', 'created', id), ...delivered('credentials', 'updated', id), ...delivered('credentials', 'deleted', id)];
    expectDeliveries(seen, { admin: events, admin2: events });

    const payloads = sockets.admin
      .since(marks.admin)
      .filter(({ event }) => event.startsWith('credentials:'))
      .map(({ event, payload }) => ({ event, details: payload.details }));
    expect(payloads).toEqual([
      { event: 'credentials:created', details: { description: 'NVR', kind: 'basic' } },
      { event: 'credentials:*', details: { description: 'NVR', kind: 'basic' } },
      { event: 'credentials:updated', details: { description: 'NVR 2', kind: 'basic', changed: ['description', 'password'] } },
      { event: 'credentials:*', details: { description: 'NVR 2', kind: 'basic', changed: ['description', 'password'] } },
      { event: 'credentials:deleted', details: { description: 'NVR 2', kind: 'basic' } },
      { event: 'credentials:*', details: { description: 'NVR 2', kind: 'basic' } },
    ]);
    expect(JSON.stringify(EVERYONE.map((who) => sockets[who].events))).not.toContain(password);
  });
});

describe('users events', () => {
  it('a change to a user reaches admins and that user, not another user', async () => {
    const seen = await act(() => http('PUT', `/api/users/${ids.granted}`, { username: 'granted-renamed' }));
    const events = delivered('users', 'updated', ids.granted);
    expectDeliveries(seen, { admin: events, admin2: events, granted: events });
  });

  it('a user changing their own account is seen by admins and themself', async () => {
    const seen = await act(() => http('PUT', `/api/users/${ids.other}`, { username: 'other-renamed' }, tokens.other));
    const events = delivered('users', 'updated', ids.other);
    expectDeliveries(seen, { admin: events, admin2: events, other: events });
  });

  it('users created and deleted are seen by admins only; details hold no password', async () => {
    let id = 0;
    const mark = sockets.admin.mark();
    const seen = await act(async () => {
      id = (await http('POST', '/api/users', { username: 'passer-by', password: PASSWORD, camera_ids: [cameraA] })).id;
      await http('DELETE', `/api/users/${id}`);
    });
    const events = [...delivered('users', 'created', id), ...delivered('users', 'deleted', id)];
    expectDeliveries(seen, { admin: events, admin2: events });
    const details = sockets.admin
      .since(mark)
      .filter(({ event }) => event === 'users:created' || event === 'users:deleted')
      .map(({ payload }) => payload.details);
    expect(details).toEqual([{ username: 'passer-by', role: 'user' }, { username: 'passer-by' }]);
    expect(JSON.stringify(sockets.admin.events)).not.toContain(PASSWORD);
  });
});

describe('access changes on open sockets', () => {
  it('revoking a grant stops delivery at once, without a reconnect', async () => {
    const revoked = await act(() => http('PUT', `/api/users/${ids.granted}`, { camera_ids: [barrier] }));
    const update = delivered('users', 'updated', ids.granted);
    expectDeliveries(revoked, { admin: update, admin2: update, granted: update });

    const seen = await act(() => http('PUT', `/api/cameras/${cameraA}`, { name: 'Camera A2' }));
    const events = delivered('camera', 'updated', cameraA);
    expectDeliveries(seen, { admin: events, admin2: events });
    expect(sockets.granted.socket.connected).toBe(true);
  });

  it('granting a camera to a connected user starts delivery without a reconnect', async () => {
    const granted = await act(() => http('PUT', `/api/users/${ids.other}`, { camera_ids: [cameraA, barrier] }));
    const update = delivered('users', 'updated', ids.other);
    expectDeliveries(granted, { admin: update, admin2: update, other: update });

    const seen = await act(() => http('PUT', `/api/cameras/${cameraA}`, { name: 'Camera A3' }));
    const events = delivered('camera', 'updated', cameraA);
    expectDeliveries(seen, { admin: events, admin2: events, other: events });
  });

  it('deleting a camera delivers its deletion to those who saw it, then drops it from their grants', async () => {
    const seen = await act(() => http('DELETE', `/api/cameras/${cameraA}`));
    const events = delivered('camera', 'deleted', cameraA);
    expectDeliveries(seen, { admin: events, admin2: events, other: events });
    expect((await http('GET', `/api/users/${ids.other}`, undefined, tokens.other)).camera_ids).toEqual([barrier]);
    expect((await http('GET', '/api/cameras', undefined, tokens.other)).items.map((camera: { id: number }) => camera.id)).toEqual([barrier]);
  });

  it('demoting an admin to user stops admin-only events on their open socket; promoting starts them again', async () => {
    const demoted = await act(() => http('PUT', `/api/users/${ids.admin2}`, { role: 'user' }));
    const update = delivered('users', 'updated', ids.admin2);
    expectDeliveries(demoted, { admin: update, admin2: update });

    let credential = 0;
    let camera = 0;
    const seen = await act(async () => {
      credential = (await http('POST', '/api/credentials', { kind: 'token', token: 'a-token-value-123' })).id;
      camera = (await http('POST', '/api/cameras', { name: 'Later', mtx_path: 'later', source_url: 'rtsp://192.0.2.1/l' })).id;
      await http('PUT', `/api/users/${ids.granted}`, { username: 'granted-again' });
    });
    expectDeliveries(seen, {
      admin: [...delivered('credentials', 'created', credential), ...delivered('camera', 'created', camera), ...delivered('users', 'updated', ids.granted)],
      granted: delivered('users', 'updated', ids.granted),
    });
    // Requests on that socket are judged by the new role too.
    const refused = await rpc(sockets.admin2.socket, { module: 'credentials', command: 'list' });
    expect(refused.error).toEqual(expect.objectContaining({ status: 403, code: 'forbidden' }));

    await act(() => http('PUT', `/api/users/${ids.admin2}`, { role: 'admin' }));
    const again = await act(() => http('PUT', `/api/credentials/${credential}`, { description: 'seen again' }));
    const events = delivered('credentials', 'updated', credential);
    expectDeliveries(again, { admin: events, admin2: events });
    expect(sockets.admin2.socket.connected).toBe(true);
  });
});

describe('every transport', () => {
  it('long polling, and polling upgraded to a WebSocket, get the same topics in the same order as a WebSocket', async () => {
    const polling = record(await connectSocket(server.url, { auth: { token: tokens.granted }, transports: ['polling'] }));
    const upgrading = record(await connectSocket(server.url, { auth: { token: tokens.granted }, transports: ['polling', 'websocket'] }));
    try {
      const recorders = [sockets.granted, polling, upgrading];
      const marks = recorders.map((recorder) => recorder.mark());
      // Events sent while the second socket may still be upgrading, and after.
      for (let index = 1; index <= 5; index += 1) await http('PUT', `/api/cameras/${barrier}`, { description: `transport ${index}` });
      const ofBarrier = () => recorders.map((recorder, index) => recorder.since(marks[index]).filter(({ payload }) => payload?.entity === barrier));
      const [viaWebSocket, viaPolling, viaUpgrade] = await eventually(ofBarrier, (seen) => seen.every((events) => events.length >= 15));
      expect(viaWebSocket.map(({ event }) => event)).toEqual(Array.from({ length: 5 }, () => ['camera:updated', 'camera:*', 'nestmtx:*']).flat());
      expect(viaPolling).toEqual(viaWebSocket);
      expect(viaUpgrade).toEqual(viaWebSocket);
      // The upgrade finishes on its own schedule, possibly after every event came by polling.
      await eventually(() => upgrading.socket.io.engine.transport.name, (name) => name === 'websocket');
    } finally {
      polling.socket.close();
      upgrading.socket.close();
    }
  });

  it('a socket with a hundred requests outstanding while events arrive gets every answer once and every event in order', async () => {
    const recorder = sockets.granted;
    const mark = recorder.mark();
    const requestIds = Array.from({ length: 100 }, (_, index) => `burst-${index}`);
    const [answers] = await Promise.all([
      Promise.all(requestIds.map((requestId) => rpc(recorder.socket, { module: 'system', command: 'read', entity: 'ping', requestId }))),
      (async () => {
        for (let index = 1; index <= 5; index += 1) await http('PUT', `/api/cameras/${barrier}`, { description: `burst ${index}` });
      })(),
    ]);
    expect(answers.every((answer: { pong?: boolean }) => answer.pong === true)).toBe(true);
    const received = await eventually(
      () => recorder.since(mark),
      (events) => events.filter(({ payload }) => payload?.entity === barrier).length >= 15,
    );
    expect(received.filter(({ event }) => requestIds.includes(event)).map(({ event }) => event).sort()).toEqual([...requestIds].sort());
    const topics = received.filter(({ payload }) => payload?.entity === barrier);
    expect(topics.map(({ event }) => event)).toEqual(Array.from({ length: 5 }, () => ['camera:updated', 'camera:*', 'nestmtx:*']).flat());
    expect(topics.map(({ payload }) => payload.seq)).toEqual([...topics.map(({ payload }) => payload.seq)].sort((a, b) => a - b));
  });
});

describe('nobody unauthenticated', () => {
  it('gets a socket at all', async () => {
    await expect(connectSocket(server.url)).rejects.toThrow();
  });
});

describe('a change to the user while a socket is connecting', () => {
  // The handshake waits 2 s after each read of the user; the changes land in those waits.
  let slow: TestServer;
  let admin: string;
  const call = async (method: string, path: string, body?: unknown, token = admin) => {
    const answer = await slow.http(method, path, { token, body });
    expect(answer.body?.error).toBeUndefined();
    return answer.body;
  };
  /** How many times the handshakes of that user have waited. */
  const waitsOf = (userId: number) => slow.output.filter((line) => line.includes('"seam":"afterHandshakeRead"') && line.includes(`"userId":${userId},`)).length;
  /** A socket of the user, recorded from the start so that `init` is in. */
  const connecting = (token: string) => record(io(slow.url, { auth: { token }, transports: ['websocket'], reconnection: false, forceNew: true }));

  beforeAll(async () => {
    slow = await startServer({ seams: { handshakeDelayMs: 2000 } });
    admin = (await slow.login()).bearer;
  });
  afterAll(async () => slow.stop());

  it('is not missed: a grant revoked while the handshake waits stops that camera’s events, and nothing delivered while it reads again is lost', async () => {
    const revoked = (await call('POST', '/api/cameras', { name: 'Revoked', mtx_path: 'revoked', source_url: 'rtsp://192.0.2.1/r' })).id;
    const kept = (await call('POST', '/api/cameras', { name: 'Kept', mtx_path: 'kept', source_url: 'rtsp://192.0.2.1/k' })).id;
    const user = (await call('POST', '/api/users', { username: 'connecting', password: PASSWORD, camera_ids: [revoked, kept] })).id;
    const token = (await slow.login('connecting', PASSWORD)).bearer;
    const watcher = record(await connectSocket(slow.url, { auth: { token: admin } }));
    const recorder = connecting(token);
    try {
      await eventually(() => waitsOf(user), (count) => count === 1);
      await call('PUT', `/api/users/${user}`, { camera_ids: [kept] });
      // The handshake heard of it and reads again: an event now reaches the rooms before the socket is connected.
      await eventually(() => waitsOf(user), (count) => count === 2);
      await call('PUT', `/api/cameras/${kept}`, { name: 'Kept, renamed while the handshake reads again' });
      const during = (await watcher.waitFor(({ event, payload }) => event === 'nestmtx:*' && payload?.details?.name === 'Kept, renamed while the handshake reads again')).payload;
      const init = (await recorder.waitFor(({ event }) => event === 'init')).payload;
      expect(init.user.camera_ids).toEqual([kept]);

      await call('PUT', `/api/cameras/${revoked}`, { description: 'after the revocation' });
      await call('PUT', `/api/cameras/${kept}`, { description: 'after the revocation' });
      await recorder.waitFor(({ event, payload }) => event === 'nestmtx:*' && payload?.entity === kept && payload.event === 'updated' && payload.seq > during.seq);
      expect(recorder.events.filter(({ payload }) => payload?.entity === revoked && payload.event === 'updated')).toEqual([]);
      // Either at or before the point `init` reports, or received.
      const receivedDuring = recorder.events.some(({ event, payload }) => event === 'nestmtx:*' && payload?.seq === during.seq);
      expect(receivedDuring || init.seq >= during.seq).toBe(true);
    } finally {
      recorder.socket.close();
      watcher.socket.close();
    }
  });

  it('is in `init`: a rename while the handshake waits shows, or reaches the socket after it', async () => {
    const user = (await call('POST', '/api/users', { username: 'renamed-while-connecting', password: PASSWORD })).id;
    const token = (await slow.login('renamed-while-connecting', PASSWORD)).bearer;
    const recorder = connecting(token);
    try {
      await eventually(() => waitsOf(user), (count) => count === 1);
      await call('PUT', `/api/users/${user}`, { username: 'renamed-meanwhile' });
      const init = (await recorder.waitFor(({ event }) => event === 'init', 0, 10_000)).payload;
      expect(init.user.username).toBe('renamed-meanwhile');
      // It read the user twice: the first read was stale.
      expect(waitsOf(user)).toBe(2);
    } finally {
      recorder.socket.close();
    }
  });
});
