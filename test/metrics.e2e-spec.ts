import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { FakeMediaMtx } from './support/fake-mediamtx/index.js';
import { METRICS_TOKEN, parseMetrics, scrape, valueOf } from './support/metrics.js';
import { connectSocket, nextEvent, rpc, startServer, type TestServer } from './support/test-server.js';
import { eventually } from './support/waiting.js';

const HOOK_SECRET = 'hook-secret-for-the-metrics-tests-0123';
const DASHBOARD = new URL('../docs/grafana/mtx-relay-dashboard.json', import.meta.url);

/** What the issue asks to be measured: each of these names must be declared by /metrics. */
const REQUIRED = [
  'mtx_relay_sockets_connected',
  'mtx_relay_socket_connects_total',
  'mtx_relay_socket_disconnects_total',
  'mtx_relay_socket_handshake_duration_seconds',
  'mtx_relay_requests_total',
  'mtx_relay_request_duration_seconds',
  'mtx_relay_events_written_total',
  'mtx_relay_events_delivered_total',
  'mtx_relay_event_deliveries',
  'mtx_relay_event_delivery_lag_seconds',
  'mtx_relay_event_replays_total',
  'mtx_relay_event_replays_gone_total',
  'mtx_relay_db_pool_connections',
  'mtx_relay_db_pool_waiting',
  'mtx_relay_db_statement_timeouts_total',
  'mtx_relay_mediamtx_reachable',
  'mtx_relay_mediamtx_paths',
  'mtx_relay_mediamtx_hooks_total',
  'mtx_relay_mediamtx_auth_total',
  'mtx_relay_mediamtx_auth_duration_seconds',
  'mtx_relay_mediamtx_kicks_total',
  'mtx_relay_oauth2_refreshes_total',
  'mtx_relay_rate_limit_refusals_total',
  'mtx_relay_rate_limit_strike_disconnects_total',
  'mtx_relay_process_cpu_seconds_total',
  'mtx_relay_process_resident_memory_bytes',
  'mtx_relay_nodejs_eventloop_lag_seconds',
];

/** The metric a sample name belongs to: a histogram's `_bucket`, `_sum` and `_count` are its own. */
function familyOf(name: string, types: Map<string, string>): string {
  const base = name.replace(/_(bucket|sum|count)$/, '');
  return base !== name && types.get(base) === 'histogram' ? base : name;
}

describe('GET /metrics', () => {
  let fake: FakeMediaMtx;
  let server: TestServer;
  let admin: string;

  beforeAll(async () => {
    fake = await FakeMediaMtx.start();
    server = await startServer({ env: { METRICS_TOKEN, MEDIAMTX_API_URL: fake.url, MEDIAMTX_HOOK_SECRET: HOOK_SECRET } });
    admin = (await server.login()).bearer;
  }, 60000);
  afterAll(async () => {
    await server?.stop();
    await fake?.stop();
  });

  describe('who may read it', () => {
    it('refuses a request without a token, or with a wrong one, as any admin route', async () => {
      for (const token of [undefined, 'not-the-metrics-token-0123456789', `${METRICS_TOKEN}x`]) {
        const answer = await server.http('GET', '/metrics', token === undefined ? {} : { token });
        expect({ token, status: answer.status, code: answer.body?.error?.code }).toEqual({ token, status: 401, code: 'unauthorized' });
      }
    });

    it('refuses a signed-in user who is not an admin', async () => {
      await server.http('POST', '/api/users', { token: admin, body: { username: 'metrics-viewer', password: 'viewer-password-1' } });
      const { bearer } = await server.login('metrics-viewer', 'viewer-password-1');
      const answer = await server.http('GET', '/metrics', { token: bearer });
      expect({ status: answer.status, code: answer.body?.error?.code }).toEqual({ status: 403, code: 'forbidden' });
    });

    it('answers METRICS_TOKEN and an admin access token with the Prometheus text format, every name prefixed mtx_relay_', async () => {
      for (const token of [METRICS_TOKEN, admin]) {
        const response = await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${token}` } });
        expect(response.status).toBe(200);
        expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
        const { types, samples } = parseMetrics(await response.text());
        expect([...types.keys()].filter((name) => !name.startsWith('mtx_relay_'))).toEqual([]);
        expect(samples.filter((sample) => !sample.name.startsWith('mtx_relay_'))).toEqual([]);
        expect(REQUIRED.filter((name) => !types.has(name))).toEqual([]);
      }
    });
  });

  describe('what moves it', () => {
    it('counts requests by transport, module, command and outcome, with their latency', async () => {
      const rest = { transport: 'rest', module: 'system', command: 'read', code: 'ok' };
      const socketOk = { ...rest, transport: 'socket' };
      const unknown = { transport: 'rest', module: 'unknown', command: 'unknown', code: 'not_found' };
      const before = await scrape(server);
      expect((await server.http('GET', '/api/system/ping', { token: admin })).status).toBe(200);
      expect((await server.http('GET', '/api/no-such-module-7', { token: admin })).status).toBe(404);
      const socket = await connectSocket(server.url, { auth: { token: admin } });
      try {
        await rpc(socket, { module: 'system', command: 'read', entity: 'ping' });
      } finally {
        socket.close();
      }
      const after = await scrape(server);
      expect(valueOf(after, 'mtx_relay_requests_total', rest) - valueOf(before, 'mtx_relay_requests_total', rest)).toBe(1);
      expect(valueOf(after, 'mtx_relay_requests_total', socketOk) - valueOf(before, 'mtx_relay_requests_total', socketOk)).toBe(1);
      expect(valueOf(after, 'mtx_relay_requests_total', unknown) - valueOf(before, 'mtx_relay_requests_total', unknown)).toBe(1);
      const latency = { transport: 'rest', module: 'system', command: 'read' };
      expect(valueOf(after, 'mtx_relay_request_duration_seconds_count', latency) - valueOf(before, 'mtx_relay_request_duration_seconds_count', latency)).toBe(1);
      // No user ids, camera names or free text of the client among the labels.
      expect(after).not.toContain('no-such-module-7');
    });

    it('counts socket connects, refusals and disconnects, and the sockets connected by role', async () => {
      const before = await scrape(server);
      const socket = await connectSocket(server.url, { auth: { token: admin } });
      const connected = await scrape(server);
      expect(valueOf(connected, 'mtx_relay_socket_connects_total', { outcome: 'ok' }) - valueOf(before, 'mtx_relay_socket_connects_total', { outcome: 'ok' })).toBe(1);
      expect(valueOf(connected, 'mtx_relay_sockets_connected', { role: 'admin' })).toBe(1);
      expect(valueOf(connected, 'mtx_relay_socket_handshake_duration_seconds_count') - valueOf(before, 'mtx_relay_socket_handshake_duration_seconds_count')).toBe(1);
      socket.close();
      const closed = await eventually(() => scrape(server), (text) => valueOf(text, 'mtx_relay_sockets_connected', { role: 'admin' }) === 0);
      const reason = { reason: 'client namespace disconnect' };
      expect(valueOf(closed, 'mtx_relay_socket_disconnects_total', reason) - valueOf(before, 'mtx_relay_socket_disconnects_total', reason)).toBe(1);

      await expect(connectSocket(server.url, { auth: { token: 'not-a-token' } })).rejects.toThrow();
      const refused = await scrape(server);
      expect(valueOf(refused, 'mtx_relay_socket_connects_total', { outcome: 'unauthorized' }) - valueOf(before, 'mtx_relay_socket_connects_total', { outcome: 'unauthorized' })).toBe(1);
    });

    it('counts a topic event written and delivered, the sockets it reached and its lag', async () => {
      const socket = await connectSocket(server.url, { auth: { token: admin } });
      try {
        const before = await scrape(server);
        const created = nextEvent(socket, 'camera:created');
        const camera = await server.http('POST', '/api/cameras', { token: admin, body: { name: 'Metrics porch', mtx_path: 'metrics-porch', source_url: 'rtsp://192.0.2.60/live' } });
        expect(camera.status).toBe(201);
        await created;
        const after = await eventually(() => scrape(server), (text) => valueOf(text, 'mtx_relay_events_delivered_total', { domain: 'camera' }) > valueOf(before, 'mtx_relay_events_delivered_total', { domain: 'camera' }));
        expect(valueOf(after, 'mtx_relay_events_written_total')).toBeGreaterThan(valueOf(before, 'mtx_relay_events_written_total'));
        expect(valueOf(after, 'mtx_relay_event_deliveries_count')).toBeGreaterThan(valueOf(before, 'mtx_relay_event_deliveries_count'));
        expect(valueOf(after, 'mtx_relay_event_deliveries_sum') - valueOf(before, 'mtx_relay_event_deliveries_sum')).toBeGreaterThanOrEqual(1);
        expect(valueOf(after, 'mtx_relay_event_delivery_lag_seconds_count')).toBeGreaterThan(valueOf(before, 'mtx_relay_event_delivery_lag_seconds_count'));
        // The path reaches MediaMTX and is counted in sync; MediaMTX is seen as reachable.
        // (Path sync and the MediaMTX watch each look at MediaMTX on their own schedule.)
        const synced = await eventually(
          () => scrape(server),
          (text) => valueOf(text, 'mtx_relay_mediamtx_paths', { state: 'in_sync' }) >= 1 && valueOf(text, 'mtx_relay_mediamtx_reachable') === 1,
        );
        expect(synced).not.toContain('Metrics porch');
      } finally {
        socket.close();
      }
    });

    it('counts replays and the gone ones', async () => {
      const socket = await connectSocket(server.url, { auth: { token: admin } });
      try {
        const before = await scrape(server);
        await rpc(socket, { module: 'subscriptions', command: 'create', payload: { topics: ['camera:*'], since: 0 } });
        const gone = await rpc(socket, { module: 'subscriptions', command: 'create', payload: { topics: ['camera:*'], since: 999999999 } });
        expect(gone.error?.code).toBe('gone');
        const after = await scrape(server);
        expect(valueOf(after, 'mtx_relay_event_replays_total') - valueOf(before, 'mtx_relay_event_replays_total')).toBe(1);
        expect(valueOf(after, 'mtx_relay_event_replays_gone_total') - valueOf(before, 'mtx_relay_event_replays_gone_total')).toBe(1);
      } finally {
        socket.close();
      }
    });

    it('counts MediaMTX hooks accepted and refused by event, and auth callbacks by decision', async () => {
      const hook = (secret: string) =>
        fetch(`${server.url}/api/mediamtx/hooks/ready`, { method: 'POST', headers: { 'x-hook-secret': secret, 'x-mtx-path': 'metrics-porch' } });
      const before = await scrape(server);
      expect((await hook('a-wrong-secret-0123456789')).status).toBe(401);
      expect((await hook(HOOK_SECRET)).status).toBe(204);
      expect((await fetch(`${server.url}/api/mediamtx/hooks/no-such-event`, { method: 'POST', headers: { 'x-hook-secret': 'wrong' } })).status).toBe(401);
      const decision = await server.http('POST', `/api/mediamtx/auth?secret=${HOOK_SECRET}`, { body: { action: 'read', path: 'metrics-porch', protocol: 'rtsp', ip: '127.0.0.1' } });
      expect(decision.status).toBe(401);
      const after = await scrape(server);
      const moved = (labels: Record<string, string>, name = 'mtx_relay_mediamtx_hooks_total') => valueOf(after, name, labels) - valueOf(before, name, labels);
      expect(moved({ event: 'ready', outcome: 'refused' })).toBe(1);
      expect(moved({ event: 'ready', outcome: 'accepted' })).toBe(1);
      expect(moved({ event: 'unknown', outcome: 'refused' })).toBe(1);
      expect(after).not.toContain('no-such-event');
      expect(moved({ decision: 'unauthorized' }, 'mtx_relay_mediamtx_auth_total')).toBe(1);
      expect(moved({ decision: 'unauthorized' }, 'mtx_relay_mediamtx_auth_duration_seconds_count')).toBe(1);
    });
  });

  it('has a Grafana dashboard in docs/ that queries only metrics /metrics declares', async () => {
    const text = readFileSync(DASHBOARD, 'utf8');
    const dashboard = JSON.parse(text) as { panels: Array<{ targets?: Array<{ expr: string }> }> };
    expect(dashboard.panels.flatMap((panel) => panel.targets ?? []).every((target) => /mtx_relay_/.test(target.expr))).toBe(true);
    // Every name anywhere in it: panel queries and the instance variable's query alike.
    const names = [...new Set([...text.matchAll(/mtx_relay_[a-z0-9_]+/g)].map((match) => match[0]))];
    const { types } = parseMetrics(await scrape(server));
    expect(names.length).toBeGreaterThan(15);
    expect(names.map((name) => familyOf(name, types)).filter((name) => !types.has(name))).toEqual([]);
  });
});

describe('GET /metrics without METRICS_TOKEN (the default)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer();
  }, 60000);
  afterAll(async () => {
    await server?.stop();
  });

  it('takes only an admin access token', async () => {
    const answer = await server.http('GET', '/metrics', { token: METRICS_TOKEN });
    expect({ status: answer.status, code: answer.body?.error?.code }).toEqual({ status: 401, code: 'unauthorized' });
    const { bearer } = await server.login();
    expect((await server.http('GET', '/metrics', { token: bearer })).status).toBe(200);
  });
});
