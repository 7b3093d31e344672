/**
 * The load generator: one process, pinned by the runner to its own core, that opens the
 * sockets, sends the load and measures latency on its own clock. It talks to the runner on
 * stdio: it prints `{"mark": name}` at the edges of the measured window and waits for the
 * runner's `ack` (the runner reads the server's /proc counters in between), and prints
 * `{"result": {...}}` once at the end.
 *
 * Usage: node load/main.js '<job as JSON>'
 */
import { randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { createInterface } from 'node:readline';
import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';
import { percentiles } from '../lib/stats.js';
import type { Job, SocketTarget } from './jobs.js';
import { LightSocket } from './light-client.js';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const out = (value: unknown) => process.stdout.write(`${JSON.stringify(value)}\n`);

const stdinLines = createInterface({ input: process.stdin });
const acks: Array<() => void> = [];
stdinLines.on('line', () => acks.shift()?.());

/** Tells the runner a window edge is here and waits until it has read the server's counters. */
function mark(name: string): Promise<void> {
  return new Promise((resolve) => {
    acks.push(resolve);
    out({ mark: name });
  });
}

const connect = (target: SocketTarget, token = target.token): Promise<LightSocket> => LightSocket.connect(target.url, token);

/** Opens `count` sockets, `concurrency` handshakes at a time. */
async function connectMany(target: SocketTarget, count: number, concurrency = 100) {
  const sockets: LightSocket[] = [];
  const connectMs: number[] = [];
  const errors = new Map<string, number>();
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    while (next < count) {
      next += 1;
      const t0 = performance.now();
      try {
        sockets.push(await connect(target));
        connectMs.push(performance.now() - t0);
      } catch (error) {
        const message = (error as Error).message;
        errors.set(message, (errors.get(message) ?? 0) + 1);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return { sockets, connectMs, elapsedMs: performance.now() - started, errors: Object.fromEntries(errors) };
}

function closeAll(sockets: LightSocket[]): void {
  for (const socket of sockets) socket.close();
}

async function rpc(job: Extract<Job, { mode: 'rpc' }>) {
  const { sockets, errors: connectErrors } = await connectMany(job, job.connections, 50);
  if (sockets.length === 0) throw new Error(`no socket connected: ${JSON.stringify(connectErrors)}`);
  const pending = new Map<string, number>();
  const latencies: number[] = [];
  let recording = false;
  let running = true;
  let ok = 0;
  let failed = 0;
  let sequence = 0;
  const errorCodes = new Map<string, number>();
  const send = (socket: LightSocket) => {
    const requestId = `q${++sequence}`;
    pending.set(requestId, performance.now());
    socket.emit('request', { ...job.request, requestId });
  };
  for (const socket of sockets) {
    socket.onEvent((event, frame, bodyStart) => {
      const sentAt = pending.get(event);
      if (sentAt === undefined) return;
      pending.delete(event);
      if (recording) {
        latencies.push(performance.now() - sentAt);
        if (frame.startsWith('{"error"', bodyStart)) {
          failed += 1;
          const code = /"code":"([^"]*)"/.exec(frame)?.[1] ?? 'unknown';
          errorCodes.set(code, (errorCodes.get(code) ?? 0) + 1);
        } else ok += 1;
      }
      if (running) send(socket);
    });
  }
  for (let index = 0; index < job.inFlight; index += 1) send(sockets[index % sockets.length]);
  await sleep(job.warmupMs);
  await mark('start');
  recording = true;
  const started = performance.now();
  await sleep(job.durationMs);
  recording = false;
  const elapsedMs = performance.now() - started;
  await mark('end');
  running = false;
  const drainUntil = performance.now() + 5000;
  while (pending.size > 0 && performance.now() < drainUntil) await sleep(20);
  closeAll(sockets);
  return {
    connections: sockets.length,
    connectErrors,
    ops: ok + failed,
    ok,
    failed,
    errorCodes: Object.fromEntries(errorCodes),
    elapsedMs,
    ...percentiles(latencies),
  };
}

async function rest(job: Extract<Job, { mode: 'rest' }>) {
  const options = { url: `${job.url}${job.path}`, connections: job.connections, pipelining: 1, headers: { authorization: `Bearer ${job.token}` } };
  await autocannon({ ...options, duration: Math.max(1, Math.round(job.warmupMs / 1000)) });
  await mark('start');
  const result = await autocannon({ ...options, duration: Math.max(1, Math.round(job.durationMs / 1000)) });
  await mark('end');
  return {
    connections: job.connections,
    ops: result.requests.total,
    ok: result['2xx'],
    failed: result.non2xx + result.errors + result.timeouts,
    elapsedMs: result.duration * 1000,
    p50: result.latency.p50,
    p99: result.latency.p99,
    max: result.latency.max,
  };
}

/** Sequence number a camera event carries: `#<n>` at the end of details.name, or details.sourceId. */
const NAME_NUMBER = /"name":"[^"]*#(\d+)"/;
const SOURCE_NUMBER = /"sourceId":"(\d+)"/;
const eventNumber = (frame: string, pattern: RegExp): number => {
  const match = pattern.exec(frame);
  return match ? Number(match[1]) : -1;
};

async function fanout(job: Extract<Job, { mode: 'fanout' }>) {
  const connected = await connectMany(job, job.sockets);
  const receivers = connected.sockets;
  const publisher = await connect(job, job.adminToken);
  const latencies: number[] = [];
  const sentAt = new Map<number, number>();
  const received = new Map<number, number>();
  let waiting: { event: number; resolve: () => void } | undefined;
  let recordFrom = Number.POSITIVE_INFINITY;
  let stray = 0;
  for (const socket of receivers) {
    socket.onEvent((_name, frame) => {
      const event = eventNumber(frame, NAME_NUMBER);
      const at = sentAt.get(event);
      if (at === undefined) return void (stray += 1);
      const count = (received.get(event) ?? 0) + 1;
      received.set(event, count);
      if (event >= recordFrom) latencies.push(performance.now() - at);
      if (waiting?.event === event && count >= receivers.length) waiting.resolve();
    }, ['camera:updated']);
  }
  const answers = new Map<string, (frame: string, bodyStart: number) => void>();
  publisher.onEvent((event, frame, bodyStart) => answers.get(event)?.(frame, bodyStart));
  const publishErrors: string[] = [];
  const publish = (event: number): Promise<void> => {
    const name = `bench cam 1 #${event}`;
    if (job.side === 'baseline') {
      publisher.emit('bench:publish', { cameraId: job.cameraId, name, mtxPath: job.mtxPath });
      return Promise.resolve();
    }
    const requestId = `u${event}`;
    return new Promise((resolve) => {
      answers.set(requestId, (frame, bodyStart) => {
        answers.delete(requestId);
        if (frame.startsWith('{"error"', bodyStart)) publishErrors.push(frame.slice(bodyStart, bodyStart + 300));
        resolve();
      });
      publisher.emit('request', { module: 'cameras', command: 'update', requestId, entity: job.cameraId, payload: { name } });
    });
  };
  /** One event: publish, then wait until every receiver has it (or 10 s). */
  const oneEvent = async (event: number) => {
    const all = new Promise<void>((resolve) => {
      waiting = { event, resolve };
    });
    sentAt.set(event, performance.now());
    await publish(event);
    await Promise.race([all, sleep(10_000)]);
    waiting = undefined;
  };
  let event = 0;
  for (let index = 0; index < job.warmupEvents; index += 1) await oneEvent(++event);
  await mark('start');
  recordFrom = event + 1;
  const started = performance.now();
  while (performance.now() - started < job.durationMs || event - recordFrom + 1 < job.minEvents) await oneEvent(++event);
  const elapsedMs = performance.now() - started;
  await mark('end');
  const events = event - recordFrom + 1;
  let delivered = 0;
  for (let index = recordFrom; index <= event; index += 1) delivered += received.get(index) ?? 0;
  closeAll([...receivers, publisher]);
  return {
    sockets: receivers.length,
    connectErrors: connected.errors,
    events,
    delivered,
    missing: events * receivers.length - delivered,
    stray,
    publishErrors: publishErrors.slice(0, 5),
    publishErrorCount: publishErrors.length,
    elapsedMs,
    ...percentiles(latencies),
  };
}

async function hook(job: Extract<Job, { mode: 'hook' }>) {
  const connected = await connectMany(job, job.sockets);
  const receivers = connected.sockets;
  const latencies: number[] = [];
  const postMs: number[] = [];
  const sentAt = new Map<number, number>();
  let recordFrom = Number.POSITIVE_INFINITY;
  let delivered = 0;
  let stray = 0;
  for (const socket of receivers) {
    socket.onEvent((_name, frame) => {
      const hookNumber = eventNumber(frame, SOURCE_NUMBER);
      const at = sentAt.get(hookNumber);
      if (at === undefined) return void (stray += 1);
      if (hookNumber >= recordFrom) {
        latencies.push(performance.now() - at);
        delivered += 1;
      }
    }, ['camera:ready', 'camera:notReady']);
  }
  const statuses = new Map<number, number>();
  let outstanding = 0;
  const post = (hookNumber: number) => {
    const t0 = performance.now();
    sentAt.set(hookNumber, t0);
    outstanding += 1;
    // ready and notReady in turn: the relay publishes a change of readiness, not a repeat of it.
    fetch(`${job.url}/api/mediamtx/hooks/${hookNumber % 2 === 1 ? 'ready' : 'notReady'}`, {
      method: 'POST',
      headers: { 'x-hook-secret': job.hookSecret, 'x-mtx-path': job.mtxPath, 'x-mtx-source-type': 'rtspSource', 'x-mtx-source-id': String(hookNumber) },
    }).then(
      async (response) => {
        await response.arrayBuffer();
        if (hookNumber >= recordFrom) postMs.push(performance.now() - t0);
        statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
      },
      () => statuses.set(0, (statuses.get(0) ?? 0) + 1),
    ).finally(() => (outstanding -= 1));
  };
  const interval = 1000 / job.rate;
  let hookNumber = 0;
  /** Steady rate: hook k goes out at start + k × interval, whatever the answers do. */
  const sendFor = async (ms: number) => {
    const start = performance.now();
    for (let k = 0; ; k += 1) {
      const due = start + k * interval;
      if (due - start >= ms) break;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      post(++hookNumber);
    }
  };
  await sendFor(job.warmupMs);
  await sleep(500);
  await mark('start');
  recordFrom = hookNumber + 1;
  const started = performance.now();
  await sendFor(job.durationMs);
  // The schedule spans exactly the window, whenever the last hook went out.
  const sendingMs = job.durationMs;
  const hooks = hookNumber - recordFrom + 1;
  const expected = hooks * receivers.length;
  const deadline = performance.now() + 5000;
  while ((delivered < expected || outstanding > 0) && performance.now() < deadline) await sleep(10);
  const elapsedMs = performance.now() - started;
  await mark('end');
  closeAll(receivers);
  const posts = percentiles(postMs);
  return {
    sockets: receivers.length,
    connectErrors: connected.errors,
    hooks,
    sendingMs,
    statuses: Object.fromEntries(statuses),
    delivered,
    missing: expected - delivered,
    stray,
    elapsedMs,
    postP50: posts.p50,
    postP99: posts.p99,
    ...percentiles(latencies),
  };
}

async function idle(job: Extract<Job, { mode: 'idle' }>) {
  // A first round of connections and a pause, so that lazily loaded code and first-use caches
  // are in place before the baseline memory reading.
  const warmup = await connectMany(job, Math.min(100, job.sockets));
  closeAll(warmup.sockets);
  await sleep(1000);
  await mark('before');
  const connected = await connectMany(job, job.sockets);
  await mark('connected');
  await sleep(job.settleMs);
  await mark('settled');
  await sleep(job.idleMs);
  await mark('idle-end');
  closeAll(connected.sockets);
  return {
    requested: job.sockets,
    connected: connected.sockets.length,
    connectErrors: connected.errors,
    connectElapsedMs: connected.elapsedMs,
    idleMs: job.idleMs,
    ...percentiles(connected.connectMs),
  };
}

/** One POST on a connection of its own, as MediaMTX sends each callback (a new http.Transport each time). */
function postJson(url: URL, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(url, { method: 'POST', agent: false, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode ?? 0));
    });
    request.on('error', reject);
    request.end(body);
  });
}

/**
 * Readers re-authenticating the way an RTSP read does (servers/rtsp/conn.go, session.go):
 * DESCRIBE without credentials (401), DESCRIBE with them, SETUP with them (200 each), over and
 * over; half with the viewer's password, half with a stream token as the password.
 *
 * The callbacks go out the way MediaMTX sends them: from its single path-manager loop
 * (internal/core/path_manager.go calls authManager.Authenticate synchronously), so one MediaMTX
 * has one callback in flight at a time, each on a new connection (internal/auth/manager.go
 * makes an http.Transport per call). `instances` such loops run side by side, as several
 * MediaMTX behind one relay would; the readers are dealt out among them. The latency is the
 * callback's own (request to answer), not the time a reader waits in MediaMTX's queue.
 */
async function authCallbacks(job: Extract<Job, { mode: 'auth' }>) {
  const url = new URL(job.url);
  const latencies: number[] = [];
  const statuses = new Map<string, number>();
  let recording = false;
  let running = true;
  let ok = 0;
  let failed = 0;
  /** Credentials let in at least once: the relay has them in memory. */
  const warmed = new Set<string>();
  const callback = async (expected: number, body: Record<string, unknown>) => {
    const t0 = performance.now();
    const status = await postJson(url, JSON.stringify(body)).catch(() => 0);
    if (status === 200) warmed.add(String(body.password));
    if (!recording) return;
    latencies.push(performance.now() - t0);
    statuses.set(`${expected}->${status}`, (statuses.get(`${expected}->${status}`) ?? 0) + 1);
    if (status === expected) ok += 1;
    else failed += 1;
  };
  /** One reader's callbacks, in RTSP's order, for ever: each call sends the next one. */
  const reader = (index: number) => {
    const credentials = index % 2 === 0 ? { user: job.password.user, password: job.password.pass } : { user: 'home-assistant', password: job.streamToken };
    const ip = `10.0.${index >> 8}.${index & 255}`;
    const base = { ip, user: '', password: '', token: '', action: 'read', path: job.mtxPath, protocol: 'rtsp', query: '', userAgent: '' };
    let step = 0;
    let connection = '';
    return () => {
      const current = step;
      step = (step + 1) % 3;
      if (current === 0) {
        connection = randomUUID();
        return callback(401, { ...base, id: connection });
      }
      return callback(200, { ...base, ...credentials, token: credentials.password, id: current === 1 ? connection : randomUUID() });
    };
  };
  const readers = Array.from({ length: job.readers }, (_, index) => reader(index));
  const instances = Math.max(1, Math.min(job.instances, job.readers));
  /**
   * One MediaMTX's path-manager loop: its readers' callbacks one after the other, never two at once;
   * at `job.rate` a second, each sent at its time (or at once if the last answer came later).
   */
  const loop = async (instance: number) => {
    const mine = readers.filter((_, index) => index % instances === instance);
    const started = performance.now();
    for (let turn = 0; running; turn += 1) {
      if (job.rate > 0) {
        const due = started + (turn * 1000) / job.rate - performance.now();
        if (due > 0) await sleep(due);
      }
      // Each reader's three callbacks in a row, as one RTSP read sends them: every window has RTSP's mix (one 401, two 200).
      await mine[Math.floor(turn / 3) % mine.length]();
    }
  };
  const loops = Array.from({ length: instances }, (_, instance) => loop(instance));
  await sleep(job.warmupMs);
  // Warm means both kinds of credentials answered from memory (a slow machine may need longer).
  const warmUntil = performance.now() + 30_000;
  while (warmed.size < 2 && performance.now() < warmUntil) await sleep(100);
  await mark('start');
  recording = true;
  const started = performance.now();
  await sleep(job.durationMs);
  recording = false;
  const elapsedMs = performance.now() - started;
  await mark('end');
  running = false;
  await Promise.all(loops);
  return { readers: job.readers, instances, rate: job.rate, ops: ok + failed, ok, failed, statuses: Object.fromEntries(statuses), elapsedMs, ...percentiles(latencies) };
}

async function main(): Promise<void> {
  const job = JSON.parse(process.argv[2] ?? '{}') as Job;
  let result: unknown;
  switch (job.mode) {
    case 'rpc':
      result = await rpc(job);
      break;
    case 'rest':
      result = await rest(job);
      break;
    case 'fanout':
      result = await fanout(job);
      break;
    case 'hook':
      result = await hook(job);
      break;
    case 'idle':
      result = await idle(job);
      break;
    case 'auth':
      result = await authCallbacks(job);
      break;
  }
  out({ result });
  // Sockets close asynchronously; nothing else is left to wait for.
  setTimeout(() => process.exit(0), 200);
}

main().catch((error: unknown) => {
  out({ error: (error as Error).stack ?? String(error) });
  process.exit(1);
});
