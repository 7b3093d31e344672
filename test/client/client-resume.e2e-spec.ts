import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from '@jest/globals';
import { createClient, type ConnectionState } from '@mtx-relay/client';
import { freePort } from '../../src/database/free-port.ts';
import { startCuttableProxy, type CuttableProxy } from '../support/cuttable-proxy.js';
import { eventually, sleep } from '../support/waiting.js';
import { ADMIN_PASSWORD, connectSocket, rpc, startServer, type TestServer } from '../support/test-server.js';

interface Heard {
  message: string;
  seq: number | null;
}

let cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const step of cleanup.reverse()) await step();
  cleanup = [];
});

/** A client whose `system:message` events and connection states are recorded. */
async function listeningClient(url: string, options: Partial<Parameters<typeof createClient>[0]> = {}) {
  const client = await createClient({ url, username: 'admin', password: ADMIN_PASSWORD, reconnectDelayMs: 100, reconnectDelayMaxMs: 500, ...options });
  cleanup.push(() => client.close());
  const heard: Heard[] = [];
  const states: ConnectionState[] = [];
  client.on('system:message', ({ message, seq }) => heard.push({ message, seq }));
  client.on('connection', ({ state }) => states.push(state));
  return { client, heard, states };
}

/** Publishes `message` through REST, trying again while the server is away; true once it was accepted. */
async function publish(url: string, token: string, message: string, ms = 30000): Promise<void> {
  await eventually(
    () =>
      fetch(`${url}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ message }) })
        .then((response) => response.status)
        .catch(() => 0),
    (status) => status === 201,
    ms,
    100,
  );
}

/** The stored `system:message` events after `since`, as a raw socket's replay brings them, and the subscription's answer. */
async function stored(url: string, token: string, since: number): Promise<{ replayed: Heard[]; answer: any }> {
  const socket = await connectSocket(url, { auth: { token } });
  const replayed: Heard[] = [];
  socket.on('system:message', ({ message, seq }: Heard) => replayed.push({ message, seq }));
  try {
    const answer = await rpc(socket, { module: 'subscriptions', command: 'create', payload: { topics: ['system:message'], since } });
    return { replayed, answer };
  } finally {
    socket.close();
  }
}

const inOrderOnce = (heard: Heard[]): boolean => heard.every((event, index) => index === 0 || (event.seq ?? 0) > (heard[index - 1].seq ?? 0));

describe('the client keeps every event across token refreshes and reconnects', () => {
  it('refreshes a token that expires while events flow, without a disconnect or a lost event', async () => {
    const server: TestServer = await startServer({ env: { ACCESS_TOKEN_TTL: '3', SESSION_EXPIRY_WARNING: '1' } });
    cleanup.push(() => server.stop());
    const { client, heard, states } = await listeningClient(server.url);
    const refreshed: string[] = [];
    client.on('tokens', ({ bearer }) => refreshed.push(bearer));
    const publisher = await createClient({ url: server.url, username: 'admin', password: ADMIN_PASSWORD, socket: false });
    cleanup.push(() => publisher.close());
    const sent: string[] = [];
    // Three token lifetimes of events, one every 50 ms (the publisher refreshes its own token too).
    for (let index = 0; index < 400 && refreshed.length < 3; index++) {
      sent.push(`m${index}`);
      await publisher.request('messages', 'create', { payload: { message: `m${index}` } });
      await sleep(50);
    }
    expect(refreshed.length).toBeGreaterThanOrEqual(3);
    await eventually(() => heard.length, (count) => count >= sent.length);
    expect(heard.map(({ message }) => message)).toEqual(sent);
    expect(inOrderOnce(heard)).toBe(true);
    expect(states).toEqual([]);
    expect(client.state).toBe('connected');
  });

  it('resumes after a server restart on the same DATA_DIR: every event once, in order', async () => {
    const port = String(await freePort());
    const dataDir = mkdtempSync(join(tmpdir(), 'mtx-relay-restart-'));
    cleanup.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const env = { PORT: port, DATA_DIR: dataDir, SHUTDOWN_RECONNECT_AFTER_MS: '200' };
    let server = await startServer({ env });
    const first = server;
    cleanup.push(() => first.stop());
    const { client, heard, states } = await listeningClient(server.url);
    const { bearer } = await server.login();
    const startSeq = client.lastSeq ?? 0;
    const publishing = (async () => {
      for (let index = 0; index < 120; index++) await publish(server.url, bearer, `r${index}`);
    })();
    await eventually(() => heard.length, (count) => count >= 30);
    await server.stop();
    server = await startServer({ databaseUrl: first.databaseUrl, env });
    const second = server;
    cleanup.push(() => second.stop());
    await publishing;
    await eventually(() => heard.some(({ message }) => message === 'r119'), Boolean);
    expect(states).toContain('reconnecting');
    expect(client.state).toBe('connected');
    expect(inOrderOnce(heard)).toBe(true);
    // Exactly what the server stored, nothing more, nothing less.
    expect(heard).toEqual((await stored(server.url, bearer, startSeq)).replayed);
    expect(new Set(heard.map(({ message }) => message)).size).toBe(120);
  });

  it('tells the caller to resynchronise when the events it missed were pruned', async () => {
    const server = await startServer({ env: { EVENTS_RETENTION: '2', EVENTS_PRUNE_INTERVAL: '1' } });
    cleanup.push(() => server.stop());
    const proxy: CuttableProxy = await startCuttableProxy(server.url);
    cleanup.push(() => proxy.close());
    const { client, heard } = await listeningClient(proxy.url, { socketOptions: { transports: ['websocket'] } });
    const resyncs: unknown[] = [];
    client.on('resync', (event) => resyncs.push(event));
    const credentials = client.watch('credentials');
    const tokens = client.watch('tokens');
    await Promise.all([credentials.ready, tokens.ready]);
    const script = await createClient({ url: server.url, username: 'admin', password: ADMIN_PASSWORD, socket: false });
    const { bearer } = await server.login();
    await publish(server.url, bearer, 'before');
    await eventually(() => heard.length, (count) => count === 1);
    const missedFrom = client.lastSeq!;
    proxy.cut();
    await publish(server.url, bearer, 'missed');
    // Made while away, their events pruned: only the collections' reload on `resync` brings them.
    const credential = await script.request('credentials', 'create', { payload: { kind: 'token', description: 'while away', token: 'a-secret-3' } });
    const camera = await script.request('cameras', 'create', { payload: { name: 'away', mtx_path: 'away', source_url: 'rtsp://127.0.0.1:8554/away' } });
    const token = await script.request('tokens', 'create', { payload: { camera_id: camera.id, label: 'while away' } });
    // Wait until the server no longer keeps what the client missed.
    await eventually(() => stored(server.url, bearer, missedFrom).then(({ answer }) => answer.error?.code), (code) => code === 'gone', 20000, 250);
    expect(client.state).toBe('reconnecting');
    proxy.restore();
    await eventually(() => resyncs.length, (count) => count === 1, 20000);
    expect(resyncs[0]).toMatchObject({ reason: 'gone', oldestSeq: expect.any(Number) });
    await eventually(() => [credentials.get(credential.id)?.description, tokens.get(token.id)?.label], (seen) => seen.join() === 'while away,while away');
    await eventually(() => client.state, (state) => state === 'connected');
    await publish(server.url, bearer, 'after');
    await eventually(() => heard.map(({ message }) => message), (messages) => messages.includes('after'));
    expect(heard.map(({ message }) => message)).toEqual(['before', 'after']);
  });
});
