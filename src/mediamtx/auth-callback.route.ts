import type { FastifyInstance } from 'fastify';
import { DomainError, errorBody, unauthorized, validationFailed, zodDetails } from '../common/errors.js';
import type { DirectRoute } from '../transports/rest/direct-routes.js';
import type { MediaMtxAuthCallers } from './auth-callers.js';
import { authRequestSchema, type MediaMtxAuthService } from './mediamtx-auth.service.js';

export const AUTH_CALLBACK_PATH = '/api/mediamtx/auth';

/**
 * MediaMTX's authHTTPAddress callback, `POST /api/mediamtx/auth`. A direct route
 * (transports/rest/direct-routes.ts): MediaMTX waits for the answer inside its path-manager loop,
 * so the framework's per-request work is kept off it. Only MediaMTX may call it: the hook secret in
 * the URL's query, or an address of MEDIAMTX_AUTH_ALLOW_FROM; then the body is checked, then decided.
 */
export function authCallbackRoute(callers: MediaMtxAuthCallers, auth: MediaMtxAuthService): DirectRoute {
  return {
    method: 'POST',
    path: AUTH_CALLBACK_PATH,
    register(fastify: FastifyInstance) {
      fastify.post<{ Querystring: { secret?: unknown } }>(AUTH_CALLBACK_PATH, async (request, reply) => {
        if (!callers.admits(request.query.secret, () => request.socket.remoteAddress, request.headers)) {
          return reply.status(401).send(errorBody(unauthorized('only MediaMTX may call this: the hook secret is missing or wrong')));
        }
        const parsed = authRequestSchema.safeParse(request.body);
        if (!parsed.success) return reply.status(400).send(errorBody(validationFailed(zodDetails(parsed.error))));
        const decision = await auth.decide(parsed.data);
        if (decision.status === 200) return reply.status(200).send({ allowed: true });
        return reply.status(decision.status).send(errorBody(new DomainError(decision.status === 401 ? 'unauthorized' : 'forbidden', decision.reason)));
      });
    },
  };
}
