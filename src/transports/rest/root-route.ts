import type { FastifyInstance } from 'fastify';
import { DomainError, errorBody } from '../../common/errors.js';

export const API_DOCS_PATH = '/api/docs';

/** A client that asks for JSON and not for a page (a browser asks for text/html). */
const wantsJson = (accept: string | undefined): boolean => /\bapplication\/json\b/i.test(accept ?? '') && !/\btext\/html\b/i.test(accept ?? '');

/** `GET /`: until there is a web UI, a browser is sent to the API docs; a JSON client gets the usual 404. */
export function registerRootRoute(fastify: FastifyInstance): void {
  fastify.get('/', (request, reply) => {
    if (wantsJson(request.headers.accept)) {
      return reply.status(404).send(errorBody(new DomainError('not_found', `no such route: the API is under /api, its documentation at ${API_DOCS_PATH}`)));
    }
    return reply.redirect(API_DOCS_PATH, 302);
  });
}
