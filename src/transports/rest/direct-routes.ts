import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import Fastify, { type FastifyHttpOptions, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { RequestGate } from '../../commands/request-gate.js';
import { DomainError, errorBody } from '../../common/errors.js';
import type { AppConfig } from '../../config/config.js';
import { toHttpError } from '../http-errors.js';
import { httpServerOptions } from './http-server-options.js';
import { admitHttpRequests } from './request-admission.js';
import { acceptJsonBodiesOnly } from './request-rules.js';

type RequestListener = (request: IncomingMessage, response: ServerResponse) => void;

/** A route served ahead of Nest: its method, its exact path, and how it registers on a Fastify instance. */
export interface DirectRoute {
  method: 'POST';
  path: string;
  register(fastify: FastifyInstance): void;
}

/** Whether `url` is `path`, with or without a trailing slash, with or without a query. */
export function targets(url: string, path: string): boolean {
  if (!url.startsWith(path)) return false;
  const rest = url.slice(path.length);
  return rest === '' || rest === '/' || rest.startsWith('?') || rest.startsWith('/?');
}

interface DirectRouteContext {
  config: AppConfig;
  logger: Logger;
  gate: RequestGate;
}

/**
 * A bare Fastify instance for routes that another program waits on (MediaMTX's auth callback holds
 * its path-manager loop until answered): requests to them skip Socket.IO's listener and the main
 * instance's hooks (Nest's middleware runner, CORS, Nest's route plumbing), which cost more than
 * the decision itself. What a request must meet is the same as on the main instance: the body
 * rules and limits, the request gate (shutdown waits for it, and refuses it once begun) and the one
 * error shape. They are server-to-server routes: no CORS headers.
 */
async function createDirectRoutes({ config, logger, gate }: DirectRouteContext, routes: DirectRoute[]): Promise<FastifyInstance> {
  // The main instance's options (limits, router, answers of the router), typed there for Nest's adapter.
  const fastify = Fastify(httpServerOptions(config, logger) as FastifyHttpOptions<Server>);
  acceptJsonBodiesOnly(fastify);
  admitHttpRequests(fastify, gate);
  fastify.setErrorHandler((error, _request, reply) => {
    const answer = toHttpError(error);
    if (answer.code === 'internal') logger.error({ err: error }, 'unhandled error in an HTTP route');
    void reply.status(answer.status).send(errorBody(answer));
  });
  fastify.setNotFoundHandler((_request, reply) => {
    void reply.status(404).send(errorBody(new DomainError('not_found', 'no such route')));
  });
  for (const route of routes) route.register(fastify);
  await fastify.ready();
  return fastify;
}

/**
 * Serves the direct routes in front of every request listener of `server` (Socket.IO's, then the
 * main Fastify instance's). Call it after Socket.IO is attached and before `shapeNodeRefusals`,
 * whose checks then still come first.
 */
export async function serveDirectRoutesFirst(server: Server, context: DirectRouteContext, routes: DirectRoute[]): Promise<void> {
  const direct = await createDirectRoutes(context, routes);
  const listeners = server.listeners('request') as RequestListener[];
  server.removeAllListeners('request');
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    const url = request.url ?? '';
    if (routes.some((route) => request.method === route.method && targets(url, route.path))) {
      direct.routing(request, response);
      return;
    }
    for (const listener of listeners) listener.call(server, request, response);
  });
}
