import type { z } from 'zod';
import { jsonSchemaOf } from '../../common/json-schema.js';
import { ERROR_STATUS } from '../../common/errors.js';
import { CommandRegistry, type CommandDefinition } from '../../commands/command-registry.js';
import { restPath, restRoutesOf, type RestRoute } from './rest-routes.js';

type JsonSchema = Record<string, unknown>;
type Operation = Record<string, unknown>;

const jsonSchema = (schema: z.ZodType, io: 'input' | 'output'): JsonSchema => jsonSchemaOf(schema, io);

const errorSchema: JsonSchema = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['status', 'code', 'message', 'details', 'context'],
      properties: {
        status: { type: 'integer' },
        code: {
          type: 'string',
          enum: Object.keys(ERROR_STATUS),
        },
        message: { type: 'string' },
        details: { type: 'array', items: {} },
        context: { type: 'object', properties: { module: { type: 'string' }, command: { type: 'string' }, requestId: { type: 'string' } } },
      },
    },
  },
};

function operation(module: string, command: string, definition: CommandDefinition, route: RestRoute): Operation {
  const parameters: unknown[] = [];
  if (definition.entity) parameters.push({ name: 'id', in: 'path', required: true, schema: jsonSchema(definition.entity, 'input') });
  let requestBody: unknown;
  if (definition.payload && route.payload === 'query') {
    const properties = (jsonSchema(definition.payload, 'input').properties ?? {}) as Record<string, JsonSchema>;
    for (const [name, schema] of Object.entries(properties)) parameters.push({ name, in: 'query', required: false, schema });
  } else if (definition.payload && route.payload === 'body') {
    requestBody = { required: true, content: { 'application/json': { schema: jsonSchema(definition.payload, 'input') } } };
  }
  const errorResponse = (description: string) => ({ description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } });
  return {
    tags: [module],
    operationId: `${module}.${command}`,
    summary: definition.summary,
    description: `Socket.IO: \`request\` with \`{module: "${module}", command: "${command}"}\`. Access: ${definition.access}.`,
    ...(definition.access === 'public' ? { security: [] } : {}),
    parameters,
    ...(requestBody ? { requestBody } : {}),
    responses: {
      [String(definition.successStatus ?? 200)]: {
        description: 'success',
        content: { 'application/json': { schema: definition.result ? jsonSchema(definition.result, 'output') : {} } },
      },
      '400': errorResponse('validation_failed'),
      ...(definition.access === 'public' ? {} : { '401': errorResponse('unauthorized or token_expired') }),
      ...(definition.access === 'admin' || definition.entity ? { '403': errorResponse('forbidden') } : {}),
      ...(definition.entity ? { '404': errorResponse('not_found') } : {}),
      '503': errorResponse('unavailable'),
    },
  };
}

/** The OpenAPI document of the REST API: the REST routes of every registered command that works over HTTP. */
export function buildOpenApiDocument(registry: CommandRegistry, version: string) {
  const paths: Record<string, Record<string, Operation>> = {};
  for (const { module, command, definition } of registry.entries()) {
    if (definition.socketOnly) continue;
    restRoutesOf(module, command, definition.entity !== undefined).forEach((route, index) => {
      const path = restPath(route, module);
      const method = route.method.toLowerCase();
      const routeOperation = operation(module, command, definition, route);
      // OpenAPI wants every operationId unique: a command's further routes (PATCH beside PUT) name their method.
      if (index > 0) routeOperation.operationId = `${module}.${command}.${method}`;
      paths[path] ??= {};
      paths[path][method] = routeOperation;
    });
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'mtx-relay',
      version,
      description:
        'Camera relay control server for MediaMTX. Every operation is also a Socket.IO `request`. ' +
        'This document as JSON: [/api/docs-json](/api/docs-json). The Socket.IO API as AsyncAPI 3.0: ' +
        '[/api/docs/asyncapi.json](/api/docs/asyncapi.json) ([YAML](/api/docs/asyncapi.yaml)); the typed client is @mtx-relay/client.',
    },
    security: [{ bearer: [] }],
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      schemas: { Error: errorSchema },
    },
    paths,
  };
}
