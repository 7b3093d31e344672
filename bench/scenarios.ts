import type { Job } from './load/jobs.js';
import type { Snapshot } from './lib/proc.js';
import type { Seeded } from './lib/seed.js';
import type { ServerKind } from './lib/servers.js';

export type Side = 'relay' | 'baseline';

/** Run-wide settings, from the command line. */
export interface Settings {
  quick: boolean;
  pairs: number;
  warmupMs: number;
  durationMs: number;
  hookRate: number;
  /** Socket counts replacing a scenario's own (fanout, hook-to-event, idle-memory). */
  sizes: number[] | undefined;
}

export interface CaseSpec {
  label: string;
  /** The number of sockets, where the scenario has several sizes. */
  size: number;
  /** auth-callback: how many MediaMTX send callbacks, each one at a time. */
  instances?: number;
  /** auth-callback: callbacks a second per MediaMTX; unset: as fast as they are answered. */
  rate?: number;
  /** PostgreSQL is stopped (SIGSTOP) for the measured window, and resumed after it. */
  stallDatabase?: boolean;
}

/** What one run left behind: the load generator's result and /proc snapshots of both processes. */
export interface Outcome {
  result: Record<string, any>;
  /** Server snapshots at the load generator's marks. */
  server: Record<string, Snapshot>;
  /** Load generator snapshots at the same marks. */
  load: Record<string, Snapshot>;
  /** The server once the load generator has finished. */
  serverFinal: Snapshot;
}

export interface Column {
  key: string;
  label: string;
  digits: number;
}

export interface Scenario {
  name: string;
  summary(settings: Settings): string;
  baseline: Exclude<ServerKind, 'relay'>;
  columns: Column[];
  cases(settings: Settings): CaseSpec[];
  job(seeded: Seeded, side: Side, spec: CaseSpec, url: string, settings: Settings, hookSecret: string): Job;
  metrics(outcome: Outcome): Record<string, number>;
  /** The metric shown in progress lines and first in the table. */
  headline: string;
}

const cpuUs = (from: Snapshot | undefined, to: Snapshot | undefined): number => (from && to ? to.cpuUs - from.cpuUs : Number.NaN);
const cpuPercent = (from: Snapshot | undefined, to: Snapshot | undefined): number =>
  from && to && to.at > from.at ? ((to.cpuUs - from.cpuUs) / ((to.at - from.at) * 1000)) * 100 : Number.NaN;
const mib = (kib: number) => kib / 1024;

/** auth-callback's steady case: callbacks a second from one MediaMTX, far below what either server answers. */
const PACED_RATE = 50;

/** Columns every load scenario ends with. */
const TAIL: Column[] = [
  { key: 'cpuUsPerOp', label: 'server CPU µs/op', digits: 1 },
  { key: 'serverCpuPct', label: 'server CPU %', digits: 0 },
  { key: 'peakRssMiB', label: 'peak RSS MiB', digits: 1 },
  { key: 'loadCpuPct', label: 'load gen CPU %', digits: 0 },
];

function windowMetrics(outcome: Outcome, ops: number): Record<string, number> {
  return {
    cpuUsPerOp: cpuUs(outcome.server.start, outcome.server.end) / ops,
    serverCpuPct: cpuPercent(outcome.server.start, outcome.server.end),
    peakRssMiB: mib(outcome.serverFinal.hwmKiB),
    loadCpuPct: cpuPercent(outcome.load.start, outcome.load.end),
  };
}

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
  {
    name: 'fanout',
    summary: () =>
      'one camera event (relay: an admin `cameras update`; baseline: io.to(rooms).emit) to every socket of a user granted the camera; ' +
      'one event at a time, the next once all sockets have it; latency from publish to receipt; op = one delivery',
    baseline: 'socketio',
    headline: 'rate',
    columns: [
      { key: 'rate', label: 'deliveries/s', digits: 0 },
      { key: 'p50', label: 'p50 ms', digits: 2 },
      { key: 'p99', label: 'p99 ms', digits: 2 },
      { key: 'events', label: 'events', digits: 0 },
      ...TAIL,
      { key: 'missing', label: 'missing', digits: 0 },
    ],
    cases: (settings) => (settings.sizes ?? (settings.quick ? [200, 1000] : [1000, 5000])).map((size) => ({ label: `${size} sockets`, size })),
    job: (seeded, side, spec, url, settings) => ({
      mode: 'fanout',
      side,
      url,
      token: seeded.viewerToken,
      adminToken: seeded.adminToken,
      sockets: spec.size,
      cameraId: seeded.cameraId,
      mtxPath: seeded.mtxPath,
      warmupEvents: 3,
      durationMs: settings.durationMs,
      minEvents: settings.quick ? 3 : 10,
    }),
    metrics: (outcome) => {
      const { delivered, missing, events, elapsedMs, p50, p99, publishErrorCount } = outcome.result;
      return { rate: delivered / (elapsedMs / 1000), p50, p99, events, ...windowMetrics(outcome, delivered), missing: missing + publishErrorCount };
    },
  },
  {
    name: 'hook-to-event',
    summary: (settings) =>
      `MediaMTX hook POST /api/mediamtx/hooks/ready at a steady ${settings.hookRate}/s while sockets of a user granted the camera watch it; ` +
      'latency from POST to receipt at each socket; op = one hook',
    baseline: 'socketio',
    headline: 'p99',
    columns: [
      { key: 'hookRate', label: 'hooks/s', digits: 1 },
      { key: 'deliveryRate', label: 'deliveries/s', digits: 0 },
      { key: 'p50', label: 'p50 ms', digits: 2 },
      { key: 'p99', label: 'p99 ms', digits: 2 },
      { key: 'postP99', label: 'POST p99 ms', digits: 2 },
      ...TAIL,
      { key: 'missing', label: 'missing', digits: 0 },
    ],
    cases: (settings) => (settings.sizes ?? [settings.quick ? 200 : 1000]).map((size) => ({ label: `${size} sockets`, size })),
    job: (seeded, _side, spec, url, settings, hookSecret) => ({
      mode: 'hook',
      url,
      token: seeded.viewerToken,
      sockets: spec.size,
      hookSecret,
      mtxPath: seeded.mtxPath,
      rate: settings.hookRate,
      warmupMs: settings.warmupMs,
      durationMs: settings.durationMs,
    }),
    metrics: (outcome) => {
      const { hooks, delivered, missing, sendingMs, elapsedMs, p50, p99, postP99, statuses } = outcome.result;
      const refused = Object.entries(statuses as Record<string, number>).reduce((sum, [status, count]) => (status === '204' ? sum : sum + count), 0);
      return {
        hookRate: hooks / (sendingMs / 1000),
        deliveryRate: delivered / (elapsedMs / 1000),
        p50,
        p99,
        postP99,
        ...windowMetrics(outcome, hooks),
        missing: missing + refused,
      };
    },
  },
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
];
