import { fanoutScenario, hookToEventScenario } from './event-scenarios.js';
import type { Seeded } from './lib/seed.js';
import { cpuPercent, cpuUs, mib, TAIL, windowMetrics, type Scenario } from './scenario-kit.js';

export { CLUSTER_INSTANCES, sideName, type CaseSpec, type Column, type Outcome, type Scenario, type Settings, type Side } from './scenario-kit.js';

/** auth-callback's steady case: callbacks a second from one MediaMTX, far below what either server answers. */
const PACED_RATE = 50;

/** What the request scenarios (rpc-*, rest-*) share: 50 connections, rate and latency per request. */
const REQUEST_LOAD: Pick<Scenario, 'headline' | 'columns' | 'cases' | 'metrics'> = {
  headline: 'rate',
  columns: [
    { key: 'rate', label: 'req/s', digits: 0 },
    { key: 'p50', label: 'p50 ms', digits: 2 },
    { key: 'p99', label: 'p99 ms', digits: 2 },
    ...TAIL,
    { key: 'errors', label: 'errors', digits: 0 },
  ],
  cases: () => [{ label: '50 conn', size: 50 }],
  metrics: (outcome) => {
    const { ops, failed, elapsedMs, p50, p99 } = outcome.result;
    return { rate: ops / (elapsedMs / 1000), p50, p99, ...windowMetrics(outcome, ops), errors: failed };
  },
};

function rpcScenario(name: string, request: (seeded: Seeded) => { module: string; command: string; entity: string | number }, what: string): Scenario {
  return {
    name,
    summary: () => `${what}: 50 sockets of a signed-in user, 200 requests in flight`,
    baseline: 'socketio',
    ...REQUEST_LOAD,
    job: (seeded, _side, spec, url, settings) => ({
      mode: 'rpc',
      url,
      token: seeded.viewerToken,
      connections: spec.size,
      inFlight: 200,
      request: request(seeded),
      warmupMs: settings.warmupMs,
      durationMs: settings.durationMs,
    }),
  };
}

function restScenario(name: string, path: (seeded: Seeded) => string, what: string): Scenario {
  return {
    name,
    summary: () => `${what}, 50 keep-alive connections (autocannon)`,
    baseline: 'fastify',
    ...REQUEST_LOAD,
    job: (seeded, _side, spec, url, settings) => ({
      mode: 'rest',
      url,
      token: seeded.viewerToken,
      path: path(seeded),
      connections: spec.size,
      warmupMs: settings.warmupMs,
      durationMs: settings.durationMs,
    }),
  };
}

export const SCENARIOS: Scenario[] = [
  rpcScenario('rpc-ping', () => ({ module: 'system', command: 'read', entity: 'ping' }), 'socket `request` system.read ping (no database)'),
  rpcScenario('rpc-read', (seeded) => ({ module: 'cameras', command: 'read', entity: seeded.cameraId }), 'socket `request` cameras.read of a granted camera'),
  restScenario('rest-read', (seeded) => `/api/cameras/${seeded.cameraId}`, 'GET /api/cameras/:id (granted camera)'),
  // Not in the list: REST and authentication without the database, to split rest-read's cost.
  restScenario('rest-ping', () => '/api/system/ping', 'GET /api/system/ping (system.read ping, no database)'),
  fanoutScenario(false),
  hookToEventScenario(false),
  {
    name: 'auth-callback',
    summary: () =>
      `MediaMTX auth callback POST /api/mediamtx/auth?secret=...: 200 readers re-authenticating the RTSP way ` +
      '(no credentials → 401, DESCRIBE and SETUP with credentials → 200), half by password, half by stream token; ' +
      'sent as MediaMTX sends them: one at a time per MediaMTX (its path-manager loop waits for each), a new connection each; ' +
      `1 and 4 MediaMTX as fast as answered, 1 MediaMTX at a steady ${PACED_RATE}/s (latency without queueing); op = one callback`,
    baseline: 'fastify',
    headline: 'rate',
    columns: [
      { key: 'rate', label: 'callbacks/s', digits: 0 },
      { key: 'p50', label: 'p50 ms', digits: 2 },
      { key: 'p99', label: 'p99 ms', digits: 2 },
      ...TAIL,
      { key: 'errors', label: 'errors', digits: 0 },
    ],
    // Warm caches with one and with four MediaMTX, each sending as fast as it is answered: callbacks/s.
    // Then one MediaMTX at a steady 50 callbacks/s: the latency of a callback that waits for nothing
    // (with four loops at full speed, each callback also waits for the three in flight beside it).
    // Then one MediaMTX with PostgreSQL stopped for the whole window.
    cases: (settings) =>
      (settings.sizes ?? [200]).flatMap((size) => [
        { label: `${size} readers, 1 MediaMTX`, size, instances: 1 },
        { label: `${size} readers, 1 MediaMTX, ${PACED_RATE}/s`, size, instances: 1, rate: PACED_RATE },
        { label: `${size} readers, 4 MediaMTX`, size, instances: 4 },
        { label: `${size} db stalled, 1 MediaMTX`, size, instances: 1, stallDatabase: true },
      ]),
    job: (seeded, _side, spec, url, settings, hookSecret) => ({
      mode: 'auth',
      url: `${url}/api/mediamtx/auth?secret=${encodeURIComponent(hookSecret)}`,
      readers: spec.size,
      instances: spec.instances ?? 1,
      rate: spec.rate ?? 0,
      mtxPath: seeded.mtxPath,
      password: seeded.viewer,
      streamToken: seeded.streamToken,
      warmupMs: settings.warmupMs,
      durationMs: settings.durationMs,
    }),
    metrics: (outcome) => {
      const { ops, failed, elapsedMs, p50, p99 } = outcome.result;
      return { rate: ops / (elapsedMs / 1000), p50, p99, ...windowMetrics(outcome, ops), errors: failed };
    },
  },
  {
    name: 'idle-memory',
    summary: () =>
      'idle authenticated sockets of one user: server RSS growth per socket once connected and settled, the connect storm ' +
      '(100 handshakes at a time), and the CPU an idle server spends on them',
    baseline: 'socketio',
    headline: 'kibPerSocket',
    columns: [
      { key: 'connected', label: 'connected', digits: 0 },
      { key: 'kibPerSocket', label: 'KiB/socket', digits: 1 },
      { key: 'connectRate', label: 'connects/s', digits: 0 },
      { key: 'p99', label: 'connect p99 ms', digits: 1 },
      { key: 'cpuUsPerConnect', label: 'CPU µs/connect', digits: 0 },
      { key: 'idleCpuPct', label: 'idle CPU %', digits: 2 },
      { key: 'rssMiB', label: 'RSS MiB', digits: 1 },
      { key: 'peakRssMiB', label: 'peak RSS MiB', digits: 1 },
    ],
    cases: (settings) => (settings.sizes ?? (settings.quick ? [200, 1000] : [1000, 10_000])).map((size) => ({ label: `${size} sockets`, size })),
    job: (seeded, _side, spec, url, settings) => ({
      mode: 'idle',
      url,
      token: seeded.viewerToken,
      sockets: spec.size,
      settleMs: settings.quick ? 2000 : 5000,
      idleMs: settings.quick ? 2000 : 5000,
    }),
    metrics: (outcome) => {
      const { connected, connectElapsedMs, p99 } = outcome.result;
      const { before, settled } = outcome.server;
      return {
        connected,
        kibPerSocket: before && settled && connected > 0 ? (settled.rssKiB - before.rssKiB) / connected : Number.NaN,
        connectRate: connected / (connectElapsedMs / 1000),
        p99,
        cpuUsPerConnect: cpuUs(outcome.server.before, outcome.server.connected) / connected,
        idleCpuPct: cpuPercent(outcome.server.settled, outcome.server['idle-end']),
        rssMiB: settled ? mib(settled.rssKiB) : Number.NaN,
        peakRssMiB: mib(outcome.serverFinal.hwmKiB),
      };
    },
  },
  // Several instances (issue 19): two relays behind nginx against one relay behind the same nginx.
  fanoutScenario(true),
  hookToEventScenario(true),
];
