import type { COMMANDS, Commands, ERROR_STATUS, InitPayload, LogEntry, TOPIC_EVENTS } from './generated/index.js';

export type { Commands, InitPayload, LogEntry };
export type { OnlineUser } from './generated/index.js';

export type ModuleName = keyof Commands;
export type CommandName<M extends ModuleName> = keyof Commands[M] & string;

type Definition<M extends ModuleName, C extends CommandName<M>> = Commands[M][C];

/** The entity a command addresses, as sent (`never` when it takes none). */
export type EntityOf<M extends ModuleName, C extends CommandName<M>> = Definition<M, C> extends { entity: infer E } ? E : never;
/** A command's payload, as sent (`never` when it takes none). */
export type PayloadOf<M extends ModuleName, C extends CommandName<M>> = Definition<M, C> extends { payload: infer P } ? P : never;
/** A command's answer. */
export type ResultOf<M extends ModuleName, C extends CommandName<M>> = Definition<M, C> extends { result: infer R } ? R : unknown;

type EntityArgument<E> = [E] extends [never] ? { entity?: never } : { entity: E };
type PayloadArgument<P, Optional> = [P] extends [never] ? { payload?: never } : Optional extends true ? { payload?: P } : { payload: P };

/** The second argument of `request`: `entity` and `payload` where the command takes them. */
export type RequestArguments<M extends ModuleName, C extends CommandName<M>> = EntityArgument<EntityOf<M, C>> &
  PayloadArgument<PayloadOf<M, C>, Definition<M, C> extends { payloadOptional: infer O } ? O : false>;

export interface RequestOptions {
  /** Rejects with a `timeout` RelayError after this long (default: the client's `requestTimeoutMs`). */
  timeoutMs?: number;
}

/** `request`'s arguments after module and command: optional when the command needs nothing. */
export type RequestRest<M extends ModuleName, C extends CommandName<M>> = object extends RequestArguments<M, C>
  ? [args?: RequestArguments<M, C>, options?: RequestOptions]
  : [args: RequestArguments<M, C>, options?: RequestOptions];

export type ErrorCode = keyof typeof ERROR_STATUS;
export type CommandFacts = typeof COMMANDS;

export type TopicDomain = keyof typeof TOPIC_EVENTS;
export type TopicEventOf<D extends TopicDomain> = (typeof TOPIC_EVENTS)[D][number];

/** `<domain>:<event>`, `<domain>:*`, and the catch-alls `nestmtx:*` and `*`. */
export type TopicName = { [D in TopicDomain]: `${D}:${TopicEventOf<D>}` | `${D}:*` }[TopicDomain] | 'nestmtx:*' | '*';

/** What every topic event carries. */
export interface TopicPayload {
  domain: TopicDomain;
  entity: number | null;
  event: string;
  details: Record<string, unknown>;
  at: string;
  /** Null only when the server could not store the event (its database was unreachable). */
  seq: number | null;
  /** Set on state sent because the client subscribed (a camera's `camera:state`), not because something happened. */
  retained?: true;
}

/** `system:message` also carries its details at the top level. */
export interface SystemMessagePayload extends TopicPayload {
  message: string;
  from: string;
}

export type UserView = ResultOf<'users', 'read'>;
export type CameraView = ResultOf<'cameras', 'read'>;
export type CredentialView = ResultOf<'credentials', 'read'>;
export type StreamTokenView = ResultOf<'tokens', 'read'>;

export interface Tokens {
  bearer: string;
  refresh: string;
  /** ISO time at which `bearer` expires. */
  expiration: string;
}

export type ConnectionState = 'connecting' | 'connected' | 'reconnecting' | 'closed';

/** Events of the client itself, beside the server's topics. */
export interface ClientEvents {
  /** The connection changed state; `closed` is final. */
  connection: { state: ConnectionState; reason?: string };
  /** New tokens after a refresh: persist `refresh` to start again later without a password. */
  tokens: Tokens;
  /** The session is over (logged out, password changed, user deleted, refresh refused); the client has closed. */
  revoked: { reason: string };
  /**
   * Events were missed and cannot be replayed (`gone`: they were pruned, or the server's database
   * was reset): reload what you show. Live collections do this by themselves.
   */
  resync: { reason: 'gone'; oldestSeq?: number | null; latestSeq?: number | null };
  /** The connection's first event, after every (re)connect. */
  init: InitPayload;
  /** A line of the live log stream (admins). */
  log: LogEntry;
  'session:expiring': { expiresAt: string };
  'system:shutdown': { reconnectAfterMs: number };
  'system:disconnect': { reason: 'rate_limited'; message: string };
}

export type EventName = TopicName | keyof ClientEvents;

/** The payload of an event: a client event's own, `system:message`'s, or a topic event's. */
export type EventPayload<E extends EventName> = E extends keyof ClientEvents
  ? ClientEvents[E]
  : E extends 'system:message'
    ? SystemMessagePayload
    : TopicPayload;
