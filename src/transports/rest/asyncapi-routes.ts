import type { FastifyInstance } from 'fastify';
import { toYaml } from '../../common/yaml.js';
import type { CommandRegistry } from '../../commands/command-registry.js';
import { buildAsyncApiDocument } from '../socket/asyncapi.js';
import { API_DOCS_PATH } from './root-route.js';

export const ASYNCAPI_JSON_PATH = `${API_DOCS_PATH}/asyncapi.json`;
export const ASYNCAPI_YAML_PATH = `${API_DOCS_PATH}/asyncapi.yaml`;

/** `GET /api/docs/asyncapi.json` and `.yaml`: the Socket.IO API as AsyncAPI 3.0, for the host the client asked. */
export function registerAsyncApiRoutes(fastify: FastifyInstance, registry: CommandRegistry, version: string): void {
  const document = (host: string | undefined) => buildAsyncApiDocument(registry, version, host ?? 'localhost');
  fastify.get(ASYNCAPI_JSON_PATH, (request, reply) => reply.type('application/json').send(document(request.headers.host)));
  fastify.get(ASYNCAPI_YAML_PATH, (request, reply) => reply.type('application/yaml').send(toYaml(document(request.headers.host))));
}
