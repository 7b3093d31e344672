import type { CommandRegistry, CommandDefinition } from '../../commands/command-registry.js';
import { jsonSchemaOf } from '../../common/json-schema.js';
import { ERROR_BODY_SCHEMA, SESSION_EVENTS, topicEvents, type ServerEvent } from './asyncapi-events.js';

type JsonSchema = Record<string, unknown>;

/** An id AsyncAPI accepts for a channel, message or operation: `camera:*` is `camera.any`. */
const idOf = (address: string): string => address.replace(/\*/g, 'any').replace(/[^A-Za-z0-9_.-]/g, '.');
const ref = (path: string) => ({ $ref: `#/${path}` });

/** The `request` envelope of one command. */
function envelope(module: string, command: string, definition: CommandDefinition): JsonSchema {
  const payloadRequired = definition.payload !== undefined && !definition.payload.safeParse({}).success;
  return {
    type: 'object',
    properties: {
      module: { type: 'string', const: module },
      command: { type: 'string', const: command },
      requestId: { type: 'string', minLength: 1, maxLength: 200, description: 'the event the answer comes back on' },
      ...(definition.entity ? { entity: jsonSchemaOf(definition.entity, 'input', 'draft-7') } : {}),
      ...(definition.payload ? { payload: jsonSchemaOf(definition.payload, 'input', 'draft-7') } : {}),
    },
    required: ['module', 'command', 'requestId', ...(definition.entity ? ['entity'] : []), ...(payloadRequired ? ['payload'] : [])],
  };
}

function commandParts(registry: CommandRegistry) {
  const requests: Record<string, unknown> = {};
  const answers: Record<string, unknown> = { error: { name: 'error', summary: 'The error body, on any command', payload: ERROR_BODY_SCHEMA } };
  const operations: Record<string, unknown> = {};
  for (const { module, command, definition } of registry.entries()) {
    const id = `${module}.${command}`;
    const access = `Access: ${definition.access}.${definition.socketOnly ? ' Socket.IO only.' : ''}`;
    requests[id] = { name: id, summary: definition.summary, description: access, payload: envelope(module, command, definition) };
    answers[`${id}.answer`] = { name: `${id}.answer`, summary: `The answer to ${id}`, payload: definition.result ? jsonSchemaOf(definition.result, 'output', 'draft-7') : {} };
    operations[id] = {
      action: 'send',
      channel: ref('channels/request'),
      summary: definition.summary,
      description: access,
      messages: [ref(`channels/request/messages/${id}`)],
      reply: {
        address: { location: '$message.payload#/requestId', description: 'the event named by the requestId (also the acknowledgement)' },
        channel: ref('channels/answer'),
        messages: [ref(`channels/answer/messages/${id}.answer`), ref('channels/answer/messages/error')],
      },
    };
  }
  return { requests, answers, operations };
}

function serverEventParts(events: ServerEvent[]) {
  const channels: Record<string, unknown> = {};
  const operations: Record<string, unknown> = {};
  for (const { address, summary, payload } of events) {
    const id = idOf(address);
    channels[id] = { address, summary, messages: { [id]: { name: address, summary, payload } } };
    operations[`receive.${id}`] = { action: 'receive', channel: ref(`channels/${id}`), summary, messages: [ref(`channels/${id}/messages/${id}`)] };
  }
  return { channels, operations };
}

/**
 * The AsyncAPI 3.0 document of the Socket.IO API, from the same command table as the
 * dispatcher and the topic catalogue: each command's `request` envelope and answer, the error
 * body, and every event the server emits.
 */
export function buildAsyncApiDocument(registry: CommandRegistry, version: string, host: string) {
  const commands = commandParts(registry);
  const events = serverEventParts([...SESSION_EVENTS, ...topicEvents()]);
  return {
    asyncapi: '3.0.0',
    info: {
      title: 'mtx-relay Socket.IO API',
      version,
      description:
        'Socket.IO v4 at path /socket.io. Every command is a `request` event; its answer comes back on the event its requestId names. ' +
        'Topic events come under three names: `<domain>:<event>`, `<domain>:*` and `nestmtx:*`. The typed client @mtx-relay/client speaks all of it.',
    },
    defaultContentType: 'application/json',
    servers: {
      relay: { host, protocol: 'ws', pathname: '/socket.io', description: 'Socket.IO (Engine.IO 4)', security: [ref('components/securitySchemes/bearer')] },
    },
    channels: {
      request: { address: 'request', summary: 'Run a command', messages: commands.requests },
      answer: { address: null, summary: 'The answer to a request, on the event named by its requestId', messages: commands.answers },
      ping: { address: 'ping', summary: 'Latency probe, answered with pong', messages: { ping: { name: 'ping', payload: {} } } },
      ...events.channels,
    },
    operations: {
      ...commands.operations,
      ping: { action: 'send', channel: ref('channels/ping'), messages: [ref('channels/ping/messages/ping')], reply: { channel: ref('channels/pong'), messages: [ref('channels/pong/messages/pong')] } },
      ...events.operations,
    },
    components: {
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description: 'The access token, as `auth: {token}` in the handshake, an `Authorization: Bearer` header or `?token=`.',
        },
      },
    },
  };
}
