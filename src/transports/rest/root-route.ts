import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { DomainError, errorBody } from '../../common/errors.js';

export const API_DOCS_PATH = '/api/docs';

/** Where `npm run build` puts the web UI (`web/` built by Vite): `dist/web`, beside this build. */
export const WEB_UI_DIR = fileURLToPath(new URL('../../web/', import.meta.url));

/** A client that asks for JSON and not for a page (a browser asks for text/html). */
const wantsJson = (accept: string | undefined): boolean => /\bapplication\/json\b/i.test(accept ?? '') && !/\btext\/html\b/i.test(accept ?? '');

/**
 * `GET /`: the web UI's page for a browser (or the API docs when the UI was not built), the usual
 * 404 for a JSON client. Its scripts and styles are under `/assets/`, named by their content's
 * hash: they are cached for good, and the page itself is revalidated each time.
 */
export function registerRootRoute(fastify: FastifyInstance, webDir = WEB_UI_DIR): void {
  const indexFile = join(webDir, 'index.html');
  const page = existsSync(indexFile) ? readFileSync(indexFile) : undefined;
  fastify.get('/', (request, reply) => {
    if (wantsJson(request.headers.accept)) {
      return reply.status(404).send(errorBody(new DomainError('not_found', `no such route: the API is under /api, its documentation at ${API_DOCS_PATH}`)));
    }
    if (!page) return reply.redirect(API_DOCS_PATH, 302);
    return reply.header('cache-control', 'no-cache').header('x-content-type-options', 'nosniff').type('text/html; charset=utf-8').send(page);
  });
  if (!page) return;
  void fastify.register(fastifyStatic, {
    root: join(webDir, 'assets'),
    prefix: '/assets/',
    index: false,
    // `npm run build` writes a .br and a .gz beside each file; the one the browser accepts is sent.
    preCompressed: true,
    immutable: true,
    maxAge: '365d',
  });
}
