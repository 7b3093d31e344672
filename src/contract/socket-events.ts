// The Socket.IO contract, both ways: what a client may emit and what the server emits. Types
// only, and every import is a type import, so a client can use it without loading the server.
import type { AuditRecordView } from '../audit/audit.schemas.js';
import type { ErrorBody } from '../common/errors.js';
import type { LogEntry } from '../logging/log-stream.js';
import type { TOPIC_EVENTS, TopicDomain } from '../events/topics.js';
import type { InitPayload, OnlineUser } from './init.schemas.js';

/** A `request`: the command to run, and the event its answer comes back on. */
export interface RequestEnvelope {
  module: string;
  command: string;
  /** The event the answer is emitted on, and the `context.requestId` of an error. */
  requestId: string;
  entity?: string | number;
  payload?: unknown;
}

/** A command's result, or an `ErrorBody`. */
export type Answer = unknown;

export interface Pong {
  time: string;
}

/** What a topic event carries. */
export interface TopicPayload {
  domain: TopicDomain;
  entity: number | null;
  event: string;
  details: Record<string, unknown>;
  at: string;
  /** Null only when the event could not be stored (the database was unreachable). */
  seq: number | null;
  /** Set on state sent because a socket subscribed, rather than because something happened. */
  retained?: true;
}

/** `system:message` also carries its details at the top level. */
export interface SystemMessagePayload extends TopicPayload {
  message: string;
  from: string;
}

/** `audit:created` (admins only): the record of a change, as `audit list` shows it. */
export interface AuditCreatedPayload extends TopicPayload {
  domain: 'audit';
  details: AuditRecordView;
}

/** `<domain>:<event>` and `<domain>:*` for every topic event, and the catch-all `nestmtx:*`. */
export type TopicEventName = { [D in TopicDomain]: `${D}:${(typeof TOPIC_EVENTS)[D][number]}` | `${D}:*` }[TopicDomain] | 'nestmtx:*';

type TopicPayloadOf<E extends TopicEventName> = E extends 'system:message' ? SystemMessagePayload : E extends 'audit:created' ? AuditCreatedPayload : TopicPayload;

type TopicEvents = { [E in TopicEventName]: (payload: TopicPayloadOf<E>) => void };

// Compared as a method is, so that the named events' narrower listeners fit beside this index.
type AnswerListener = { listener(answer: Answer): void }['listener'];

export interface ClientToServerEvents {
  /** The envelope, or a JSON string of one. */
  request: (envelope: RequestEnvelope | string, acknowledge?: (answer: Answer) => void) => void;
  ping: (acknowledge?: (pong: Pong) => void) => void;
}

export type { InitPayload, LogEntry, OnlineUser };

export interface ServerToClientEvents extends TopicEvents {
  init: (payload: InitPayload) => void;
  /** The answer to a request whose requestId could not be read. */
  failure: (error: ErrorBody) => void;
  pong: (pong: Pong) => void;
  /** The live log stream (`logs update`). */
  log: (entry: LogEntry) => void;
  'session:revoked': (payload: { reason: string }) => void;
  /** Ahead of the access token's expiry; `auth update` carries on under a fresh one. */
  'session:expiring': (payload: { expiresAt: string }) => void;
  /** The access token expired; the server disconnects. */
  'session:expired': (payload: { expiresAt: string }) => void;
  /** The server is stopping; reconnect after a while. */
  'system:shutdown': (payload: { reconnectAfterMs: number }) => void;
  /** Why the server is about to disconnect this socket. */
  'system:disconnect': (payload: { reason: 'rate_limited'; message: string }) => void;
  /** The answer to a request, on the event its requestId names. */
  [requestId: string]: AnswerListener;
}
