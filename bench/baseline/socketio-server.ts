/**
 * Baseline for the socket scenarios: a bare Socket.IO 4 server (the relay's version) on
 * node:http, doing the relay's work without the framework:
 * - connect: the JWT checked in middleware, role, session and grants looked up, rooms joined;
 * - `request` {module, command, requestId, entity?}: `system.read ping` in memory,
 *   `cameras.read` with one SQL statement through `pg`; the answer on the requestId event
 *   (and the ack, when given);
 * - `bench:publish` (admins): one camera event, emitted as the relay emits it: three topics
 *   (`camera:updated`, `camera:*`, `nestmtx:*`) to the rooms `admins` and `camera:<id>`;
 * - POST /api/mediamtx/hooks/<event>: the hook secret checked, the camera found by path, the
 *   topic emitted the same way, 204.
 */
import { createServer, type IncomingMessage } from 'node:http';
import { Server, type Socket } from 'socket.io';
import { createPool, entityId, errorBody, loadAccess, readCamera, readEnv, RuntimeCache, secretsEqual, Unauthorized, verifyToken, type Identity } from './common.js';

const env = readEnv();
const pool = createPool(env);
const runtimes = new RuntimeCache(env.mediamtxApiUrl);
const HOOK_EVENTS = new Set(['demand', 'unDemand', 'ready', 'notReady', 'read', 'unread']);

type Acknowledge = (body: unknown) => void;

const first = (value: unknown): string | undefined => {
  const candidate = Array.isArray(value) ? (value[0] as unknown) : value;
  return typeof candidate === 'string' && candidate !== '' ? candidate : undefined;
};

const http = createServer((request, response) => {
  void handleHttp(request).then(
    (status) => {
      response.writeHead(status);
      response.end();
    },
    () => {
      response.writeHead(500);
      response.end();
    },
  );
});

const io = new Server(http, {
  path: '/socket.io',
  serveClient: false,
  maxHttpBufferSize: 100_000,
  allowRequest: (request, callback) => callback(null, !request.headers.origin),
});

/** Emits a camera topic as the relay's topic feed does. */
function publishCamera(cameraId: number, event: string, details: Record<string, unknown>): void {
  const payload = { domain: 'camera', entity: cameraId, event, details, at: new Date().toISOString() };
  const target = io.to(['admins', `camera:${cameraId}`]);
  target.emit(`camera:${event}`, payload);
  target.emit('camera:*', payload);
  target.emit('nestmtx:*', payload);
}

io.use((socket, next) => {
  const handshake = socket.handshake;
  const token =
    first((handshake.auth as Record<string, unknown> | undefined)?.token) ??
    /^Bearer\s+(\S+)\s*$/i.exec(first(handshake.headers.authorization) ?? '')?.[1] ??
    first(handshake.query.token);
  let identity: Omit<Identity, 'role'>;
  try {
    identity = verifyToken(env, token);
  } catch (error) {
    return next(Object.assign(new Error((error as Error).message), { data: { code: 'unauthorized' } }));
  }
  loadAccess(pool, identity).then(
    async ({ role, cameraIds }) => {
      socket.data.identity = { ...identity, role } satisfies Identity;
      const rooms = role === 'admin' ? ['admins'] : cameraIds.map((id) => `camera:${id}`);
      await socket.join([`user:${identity.userId}`, `session:${identity.sessionId}`, ...rooms]);
      next();
    },
    (error: unknown) => next(Object.assign(new Error(error instanceof Unauthorized ? error.message : 'internal'), { data: { code: 'unauthorized' } })),
  );
});

io.on('connection', (socket: Socket) => {
  socket.on('request', (...args: unknown[]) => {
    const acknowledge = typeof args.at(-1) === 'function' ? (args.pop() as Acknowledge) : undefined;
    void answerRequest(socket, args[0]).then(({ requestId, body }) => {
      socket.emit(requestId ?? 'failure', body);
      acknowledge?.(body);
    });
  });
  socket.on('bench:publish', (message: { cameraId?: unknown; name?: unknown; mtxPath?: unknown }, acknowledge?: Acknowledge) => {
    const identity = socket.data.identity as Identity;
    const cameraId = entityId(message?.cameraId);
    if (identity.role !== 'admin' || cameraId === undefined) return acknowledge?.({ ok: false });
    publishCamera(cameraId, 'updated', { name: message.name, mtx_path: message.mtxPath, is_enabled: true, changed: ['name'] });
    acknowledge?.({ ok: true });
  });
});

async function answerRequest(socket: Socket, raw: unknown): Promise<{ requestId: string | undefined; body: unknown }> {
  const value = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  const requestId = typeof value.requestId === 'string' && value.requestId.length > 0 && value.requestId.length <= 200 ? value.requestId : undefined;
  const context = { module: value.module, command: value.command, requestId };
  if (!requestId || typeof value.module !== 'string' || typeof value.command !== 'string') {
    return { requestId, body: errorBody(400, 'validation_failed', 'the request envelope is not valid', context) };
  }
  const identity = socket.data.identity as Identity;
  if (identity.expiresAt * 1000 <= Date.now()) return { requestId, body: errorBody(401, 'token_expired', 'the access token has expired', context) };
  try {
    if (value.module === 'system' && value.command === 'read') {
      if (value.entity !== 'ping') return { requestId, body: errorBody(404, 'not_found', 'system entity not found', context) };
      return { requestId, body: { pong: true, time: new Date().toISOString() } };
    }
    if (value.module === 'cameras' && value.command === 'read') {
      const id = entityId(value.entity);
      if (id === undefined) return { requestId, body: errorBody(400, 'validation_failed', 'entity must be a camera id', context) };
      const camera = await readCamera(pool, runtimes, identity, id);
      return { requestId, body: camera ?? errorBody(404, 'not_found', `camera ${id} not found`, context) };
    }
    return { requestId, body: errorBody(404, 'not_found', `module ${String(value.module)} not found`, context) };
  } catch {
    return { requestId, body: errorBody(500, 'internal', 'internal error', context) };
  }
}

async function handleHttp(request: IncomingMessage): Promise<number> {
  request.resume();
  const match = /^\/api\/mediamtx\/hooks\/([^/?]+)/.exec(request.url ?? '');
  if (request.method !== 'POST' || !match) return 404;
  const header = (name: string) => first(request.headers[name]);
  if (!secretsEqual(header('x-hook-secret'), env.hookSecret)) return 401;
  const event = match[1];
  if (!HOOK_EVENTS.has(event)) return 404;
  const path = header('x-mtx-path');
  if (!path) return 400;
  const { rows } = await pool.query<{ id: number; name: string }>('SELECT id, name FROM cameras WHERE mtx_path = $1', [path]);
  const camera = rows[0];
  const reader = event === 'read' || event === 'unread' || event === 'demand';
  const query = Object.fromEntries(new URLSearchParams(header('x-mtx-query') ?? ''));
  const details = {
    name: camera?.name ?? null,
    path,
    query,
    ...(reader
      ? { readerType: header('x-mtx-reader-type') ?? null, readerId: header('x-mtx-reader-id') ?? null }
      : { sourceType: header('x-mtx-source-type') ?? null, sourceId: header('x-mtx-source-id') ?? null }),
  };
  if (camera) publishCamera(camera.id, event, details);
  return 204;
}

http.listen(env.port, env.host, () => {
  const address = http.address();
  const port = typeof address === 'object' && address ? address.port : env.port;
  process.stdout.write(`${JSON.stringify({ msg: 'listening', url: `http://${env.host}:${port}` })}\n`);
});

const stop = () => {
  void io.close(() => void pool.end().then(() => process.exit(0)));
  setTimeout(() => process.exit(0), 3000).unref();
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
