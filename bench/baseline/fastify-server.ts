/**
 * Baseline for rest-read and rest-ping: bare Fastify routes `GET /api/cameras/:id` and
 * `GET /api/system/ping` doing the relay's work without the framework: the bearer JWT checked
 * on every request, the caller's role and session cached (the relay caches them too), the
 * camera read with one SQL statement through `pg`. For auth-callback: `POST /api/mediamtx/auth`
 * answered from in-memory maps (auth-callback.ts).
 */
import Fastify from 'fastify';
import { AuthDecisions, fromMediaMtx } from './auth-callback.js';
import { bearerToken, createPool, entityId, errorBody, readCamera, readEnv, RoleCache, RuntimeCache, Unauthorized, verifyToken } from './common.js';

const env = readEnv();
const pool = createPool(env);
const roles = new RoleCache(pool);
const runtimes = new RuntimeCache(env.mediamtxApiUrl);
const app = Fastify({ bodyLimit: 100_000, return503OnClosing: true });
const decisions = await AuthDecisions.load(pool);

app.post<{ Querystring: { secret?: string }; Body: Record<string, string> }>('/api/mediamtx/auth', async (request, reply) => {
  if (!fromMediaMtx(request.query.secret, env.hookSecret)) return reply.status(401).send(errorBody(401, 'unauthorized', 'only MediaMTX may call this'));
  const status = await decisions.decide(request.body ?? {});
  if (status === 200) return reply.status(200).send({ allowed: true });
  return reply.status(status).send(errorBody(status, status === 401 ? 'unauthorized' : 'forbidden', 'refused'));
});

app.get<{ Params: { id: string } }>('/api/cameras/:id', async (request, reply) => {
  const context = { module: 'cameras', command: 'read' };
  try {
    const identity = verifyToken(env, bearerToken(request.headers.authorization));
    if (identity.expiresAt * 1000 <= Date.now()) return reply.status(401).send(errorBody(401, 'token_expired', 'the access token has expired', context));
    const role = await roles.role(identity);
    const id = entityId(request.params.id);
    if (id === undefined) return reply.status(400).send(errorBody(400, 'validation_failed', 'entity must be a camera id', context));
    const camera = await readCamera(pool, runtimes, { ...identity, role }, id);
    if (!camera) return reply.status(404).send(errorBody(404, 'not_found', `camera ${id} not found`, context));
    return camera;
  } catch (error) {
    if (error instanceof Unauthorized) return reply.status(401).send(errorBody(401, 'unauthorized', error.message, context));
    return reply.status(500).send(errorBody(500, 'internal', 'internal error', context));
  }
});

app.get<{ Params: { entity: string } }>('/api/system/:entity', async (request, reply) => {
  const context = { module: 'system', command: 'read' };
  try {
    const identity = verifyToken(env, bearerToken(request.headers.authorization));
    if (identity.expiresAt * 1000 <= Date.now()) return reply.status(401).send(errorBody(401, 'token_expired', 'the access token has expired', context));
    await roles.role(identity);
    if (request.params.entity !== 'ping') return reply.status(404).send(errorBody(404, 'not_found', 'system entity not found', context));
    return { pong: true, time: new Date().toISOString() };
  } catch (error) {
    if (error instanceof Unauthorized) return reply.status(401).send(errorBody(401, 'unauthorized', error.message, context));
    return reply.status(500).send(errorBody(500, 'internal', 'internal error', context));
  }
});

const url = await app.listen({ port: env.port, host: env.host });
process.stdout.write(`${JSON.stringify({ msg: 'listening', url })}\n`);

const stop = () => {
  void app.close().then(() => pool.end()).then(() => process.exit(0));
  setTimeout(() => process.exit(0), 3000).unref();
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
