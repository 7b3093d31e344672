import { ERROR_STATUS } from '../../common/errors.js';
import { jsonSchemaOf } from '../../common/json-schema.js';
import { initPayloadSchema } from '../../contract/init.schemas.js';
import { TOPIC_EVENTS } from '../../events/topics.js';
import { logEntrySchema } from '../../logging/log-stream.js';

type JsonSchema = Record<string, unknown>;

/** A channel the server emits on, with its payload and when it comes. */
export interface ServerEvent {
  address: string;
  summary: string;
  payload: JsonSchema;
}

const object = (properties: Record<string, JsonSchema>, required = Object.keys(properties)): JsonSchema => ({ type: 'object', properties, required });
const string = { type: 'string' };
const dateTime = { type: 'string', format: 'date-time' };

export const ERROR_BODY_SCHEMA: JsonSchema = object({
  error: object({
    status: { type: 'integer' },
    code: { type: 'string', enum: Object.keys(ERROR_STATUS) },
    message: string,
    details: { type: 'array', items: {} },
    context: object({ module: string, command: string, requestId: string }, []),
  }),
});

const topicPayload = (domain: string, events: readonly string[]): JsonSchema =>
  object(
    {
      domain: { type: 'string', const: domain },
      entity: { type: ['integer', 'null'] },
      event: { type: 'string', enum: [...events] },
      details: { type: 'object' },
      at: dateTime,
      seq: { type: ['integer', 'null'], description: 'null only when the event could not be stored' },
      retained: { type: 'boolean', const: true, description: 'set on camera:state sent because the socket subscribed' },
    },
    ['domain', 'entity', 'event', 'details', 'at', 'seq'],
  );

/** Every topic under its three names: `<domain>:<event>`, `<domain>:*` and `nestmtx:*`. */
export function topicEvents(): ServerEvent[] {
  const domains = Object.entries(TOPIC_EVENTS);
  const exact = domains.flatMap(([domain, events]) =>
    events.map((event) => ({
      address: `${domain}:${event}`,
      summary: `${domain} ${event}`,
      payload:
        domain === 'system'
          ? { allOf: [topicPayload(domain, [event]), object({ message: string, from: string })] }
          : topicPayload(domain, [event]),
    })),
  );
  const wildcards = domains.map(([domain, events]) => ({ address: `${domain}:*`, summary: `every ${domain} event`, payload: topicPayload(domain, events) }));
  const everything = { address: 'nestmtx:*', summary: 'every topic event', payload: { anyOf: domains.map(([domain, events]) => topicPayload(domain, events)) } };
  return [...exact, ...wildcards, everything];
}

/** The server's own events, beside topics and answers. */
export const SESSION_EVENTS: ServerEvent[] = [
  { address: 'init', summary: 'The first event of every connection', payload: jsonSchemaOf(initPayloadSchema, 'output', 'draft-7') },
  { address: 'failure', summary: 'The answer to a request whose requestId could not be read', payload: ERROR_BODY_SCHEMA },
  { address: 'pong', summary: 'The answer to a ping', payload: object({ time: dateTime }) },
  { address: 'log', summary: 'A log line, for admin sockets (logs update sets the level)', payload: jsonSchemaOf(logEntrySchema, 'output', 'draft-7') },
  { address: 'session:expiring', summary: 'Ahead of the access token expiry: refresh, then auth update', payload: object({ expiresAt: dateTime }) },
  { address: 'session:expired', summary: 'The access token expired; the server disconnects', payload: object({ expiresAt: dateTime }) },
  { address: 'session:revoked', summary: 'The session was revoked; the server disconnects', payload: object({ reason: string }) },
  { address: 'system:shutdown', summary: 'The server is stopping; reconnect after a while', payload: object({ reconnectAfterMs: { type: 'integer' } }) },
  { address: 'system:disconnect', summary: 'Why the server is about to disconnect this socket', payload: object({ reason: { type: 'string', const: 'rate_limited' }, message: string }) },
];
