import { Inject, type OnApplicationShutdown } from '@nestjs/common';
import { WebSocketGateway, WebSocketServer, type OnGatewayConnection, type OnGatewayDisconnect, type OnGatewayInit } from '@nestjs/websockets';
import type { Logger } from 'pino';
import type { Server, Socket } from 'socket.io';
import type { LiveChannel } from '../../commands/command-registry.js';
import { Dispatcher } from '../../commands/dispatcher.js';
import { RequestGate } from '../../commands/request-gate.js';
import { AccessTokenService } from '../../auth/access-token.service.js';
import type { AuthContext } from '../../common/auth-context.js';
import { clientAddress } from '../../common/client-address.js';
import { DomainError, errorBody, toDomainError, type ErrorBody } from '../../common/errors.js';
import { TEST_SEAMS, type TestSeams } from '../../common/test-seams.js';
import { APP_CONFIG, type AppConfig } from '../../config/config.js';
import type { Answer, ClientToServerEvents, OnlineUser, Pong, ServerToClientEvents } from '../../contract/socket-events.js';
import { audiencesOf } from '../../events/audience.js';
import { EventBus } from '../../events/event-bus.js';
import { EventLog } from '../../events/event-log.service.js';
import { DEFAULT_LIVE_LOG_LEVEL, logRoom } from '../../logging/log-stream.js';
import { LOGGER } from '../../logging/logger.js';
import { RelayMetrics } from '../../metrics/relay-metrics.js';
import { RateLimiter } from '../../commands/rate-limiter.js';
import type { UserView } from '../../users/users.schemas.js';
import { readEnvelope } from './envelope.js';
import { EventBatch } from './event-batch.js';
import { FeedSubscriptions } from '../../feed/feed-subscriptions.js';
import { sessionRoom, userRoom } from '../../feed/rooms.js';
import { SlowConsumers } from './slow-consumers.js';
import { SocketSessions } from './socket-sessions.js';
import { TopicFeed, type FeedSocketData } from '../../feed/topic-feed.js';
import { UserChanges } from '../../feed/user-changes.js';

interface SocketData extends FeedSocketData {
  auth: AuthContext;
  /** The client's address, read once at the handshake. */
  address: string;
  /** The user as read by the handshake, until `init` shows it. */
  user: UserView | undefined;
  /** For an admin, who was online on any instance at the handshake, until `init` shows it. */
  online: OnlineUser[] | undefined;
  /** Requests refused for rate in a row. */
  strikes: number;
  /** Requests taken and not yet answered. */
  inFlight: number;
  /** Set once the socket exceeded its strikes: it takes no more requests and closes once those in flight are answered. */
  closeAfterAnswers: NodeJS.Timeout | undefined;
}

type RelayServer = Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;
type RelaySocket = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;
type Acknowledge = (answer: Answer) => void;
/** Where an answer goes: the requestId's event, or `failure` when none could be read. */
type Reply = { requestId: string; body: Answer } | { requestId: undefined; body: ErrorBody };
/** A socket placed by what was read of its user. */
type Placed = { auth: AuthContext; user: UserView };

// How long a socket told to stop may wait for the answers to the requests it had in flight.
const FLOOD_ANSWER_WAIT_MS = 10_000;

/** Socket.IO face of the command registry: `request` in, one answer out on the requestId event and the ack. */
@WebSocketGateway()
export class RelayGateway implements OnGatewayInit, OnGatewayConnection, OnGatewayDisconnect, OnApplicationShutdown {
  @WebSocketServer()
  private server!: RelayServer;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly dispatcher: Dispatcher,
    private readonly gate: RequestGate,
    private readonly accessTokens: AccessTokenService,
    private readonly limits: RateLimiter,
    private readonly bus: EventBus,
    private readonly topics: TopicFeed,
    private readonly userChanges: UserChanges,
    private readonly subscriptions: FeedSubscriptions,
    private readonly events: EventLog,
    private readonly sessions: SocketSessions,
    private readonly slowConsumers: SlowConsumers,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(TEST_SEAMS) private readonly seams: TestSeams,
    private readonly metrics: RelayMetrics,
  ) {}

  afterInit(server: RelayServer): void {
    this.topics.attach(server, (io, events) => EventBatch.encode(io, events));
    this.slowConsumers.watch(server);
    this.metrics.onScrape(() => this.metrics.countSockets(server.of('/').sockets.values(), (socket) => socket.data.auth?.role));
    // Nest guards do not run at connection time, so authentication is Socket.IO middleware.
    server.use((socket, next) => {
      const started = performance.now();
      this.identify(socket).then(
        () => {
          this.metrics.handshakeDuration.observe((performance.now() - started) / 1000);
          next();
        },
        (thrown: unknown) => {
          const error = toDomainError(thrown);
          this.metrics.socketRefused(error.code);
          next(Object.assign(new Error(error.message), { data: errorBody(error).error }));
        },
      );
    });
    this.bus.subscribe('user.revoked', ({ userId, reason }) => this.endSessions(userRoom(userId), reason));
    this.bus.subscribe('session.revoked', ({ sessionId, reason }) => this.endSessions(sessionRoom(sessionId), reason));
    this.gate.onClosing(() => server.emit('system:shutdown', { reconnectAfterMs: this.config.shutdownReconnectAfterMs }));
  }

  handleConnection(socket: RelaySocket): void {
    const channel: LiveChannel = {
      join: (room) => void socket.join(room),
      leave: (room) => void socket.leave(room),
      rooms: () => [...socket.rooms],
      renew: (auth) => this.renew(socket, auth),
      topics: () => this.subscriptions.topics(socket),
      subscribe: (topics, since) => this.subscriptions.subscribe(socket, topics, since),
      unsubscribe: (topics) => this.subscriptions.unsubscribe(socket, topics),
    };
    socket.data.strikes = 0;
    socket.data.inFlight = 0;
    socket.on('request', (...args: unknown[]) => {
      const acknowledge = typeof args.at(-1) === 'function' ? (args.pop() as Acknowledge) : undefined;
      this.receive(socket, channel, args[0], acknowledge);
    });
    socket.on('ping', (...args: unknown[]) => {
      const pong: Pong = { time: new Date().toISOString() };
      const acknowledge = args.at(-1);
      socket.emit('pong', pong);
      if (typeof acknowledge === 'function') (acknowledge as (pong: Pong) => void)(pong);
    });
    this.sessions.opened(socket, socket.data.auth, socket.data.coveredFrom, socket.data.user, socket.data.online);
    // Only `init` needs them; a socket is kept for hours.
    this.metrics.socketConnected();
    socket.data.user = undefined;
    socket.data.online = undefined;
  }

  handleDisconnect(socket: RelaySocket, reason: string): void {
    this.metrics.socketDisconnected(String(reason));
    clearTimeout(socket.data.closeAfterAnswers);
    this.limits.connectionClosed(socket.id);
    this.topics.forget(socket.id);
    if (socket.data.auth) this.sessions.closed(socket, socket.data.auth);
  }

  onApplicationShutdown(): void {
    this.slowConsumers.stop();
  }

  /**
   * Takes one request and answers it exactly once. A socket told to stop, or a server shutting
   * down, refuses it at once; otherwise it counts as in flight until its answer is written.
   */
  private receive(socket: RelaySocket, channel: LiveChannel, raw: unknown, acknowledge: Acknowledge | undefined): void {
    if (socket.data.closeAfterAnswers) return this.answer(socket, refusal(raw, this.floodRefusal()), acknowledge);
    if (!this.gate.enter()) return this.answer(socket, refusal(raw, this.gate.shuttingDown()), acknowledge);
    socket.data.inFlight += 1;
    void this.handleRequest(socket, channel, raw)
      .catch((thrown: unknown): Reply => {
        this.logger.error({ err: thrown }, 'socket request failed outside the dispatcher');
        return { requestId: undefined, body: errorBody(toDomainError(thrown)) };
      })
      .then((reply) => this.answer(socket, reply, acknowledge))
      .finally(() => {
        socket.data.inFlight -= 1;
        this.gate.leave();
        if (socket.data.closeAfterAnswers && socket.data.inFlight === 0) socket.disconnect(true);
      });
  }

  /** Validates the envelope and dispatches; returns where and what to answer. */
  async handleRequest(socket: RelaySocket, channel: LiveChannel, raw: unknown): Promise<Reply> {
    const envelope = readEnvelope(raw);
    if (!envelope.ok) {
      const body = errorBody(envelope.error, envelope.context);
      return envelope.requestId === undefined ? { requestId: undefined, body } : { requestId: envelope.requestId, body };
    }
    const outcome = await this.dispatcher.dispatch(envelope.request, {
      connection: socket.id,
      address: socket.data.address,
      transport: 'socket',
      authenticate: () => this.accessTokens.recheck(socket.data.auth),
      channel,
    });
    this.countStrikes(socket, outcome.ok || outcome.body.error.code !== 'rate_limited');
    return { requestId: envelope.request.requestId, body: outcome.body };
  }

  /** Authenticates a connecting socket and puts it in its rooms before it can receive anything. */
  private async identify(socket: RelaySocket): Promise<void> {
    if (!this.gate.open) throw this.gate.shuttingDown();
    socket.data.address = clientAddress(socket.handshake.address, socket.handshake.headers, this.config.trustProxy);
    const auth = await this.accessTokens.authenticateRequest(socket.handshake);
    socket.data.topics = undefined;
    await socket.join([userRoom(auth.userId), sessionRoom(auth.sessionId)]);
    const placed = await this.placeByAccess(socket, auth);
    socket.data.auth = placed.auth;
    socket.data.user = placed.user;
    socket.data.online = placed.user.role === 'admin' ? await this.sessions.usersOnline() : undefined;
    // What `init` reports. Events are delivered only to connected sockets, and from here until
    // Socket.IO connects this one no I/O runs that could deliver one: it receives every event after it.
    socket.data.coveredFrom = this.events.lastDelivered();
  }

  /** A fresh token of the same user: same socket, same subscriptions, new expiry. */
  private async renew(socket: RelaySocket, auth: AuthContext): Promise<void> {
    const previous = socket.data.auth;
    // Gone while the token was checked: joining would leave a dead id in the room.
    if (!socket.connected) return;
    // First, so that a revocation of the new session from now on reaches the socket.
    await socket.join(sessionRoom(auth.sessionId));
    let placed: Placed | undefined;
    try {
      placed = await this.placeByAccess(socket, auth, () => !socket.connected);
    } finally {
      // A failed renewal keeps the old session: a logout of the new one must not end this socket.
      if (!placed && previous.sessionId !== auth.sessionId && socket.connected) await socket.leave(sessionRoom(auth.sessionId));
    }
    if (!placed) return;
    if (previous.sessionId !== auth.sessionId) await socket.leave(sessionRoom(previous.sessionId));
    socket.data.auth = placed.auth;
    this.sessions.scheduleExpiry(socket, placed.auth);
  }

  /**
   * Puts the socket in the rooms its user's access allows, again while the user changed meanwhile:
   * that change reached none of the socket's rooms, so what was read may be stale. Without
   * `abandon` it is the handshake.
   */
  private placeByAccess(socket: RelaySocket, auth: AuthContext): Promise<Placed>;
  private placeByAccess(socket: RelaySocket, auth: AuthContext, abandon: () => boolean): Promise<Placed | undefined>;
  private async placeByAccess(socket: RelaySocket, auth: AuthContext, abandon?: () => boolean): Promise<Placed | undefined> {
    for (;;) {
      const seen = this.userChanges.of(auth.userId);
      const user = await this.sessions.userOf(auth);
      if (!abandon) await this.seams.afterHandshakeRead?.(auth.userId);
      if (abandon?.()) return undefined;
      await this.topics.place(socket, audiencesOf(auth.userId, user.role, user.camera_ids), user.role);
      // A connecting admin streams log lines from the start; `logs update` and `delete` change that.
      if (!abandon && user.role === 'admin') await socket.join(logRoom(DEFAULT_LIVE_LOG_LEVEL));
      // Throws if the token was revoked meanwhile.
      const current = await this.accessTokens.recheck(auth);
      if (this.userChanges.of(auth.userId) === seen) return { auth: { ...current, username: user.username, role: user.role }, user };
    }
  }

  /**
   * Past its strikes a socket is told to stop and takes no more requests; it is closed once the
   * requests it had in flight are answered (the last strike's answer among them), or after a while.
   */
  private countStrikes(socket: RelaySocket, accepted: boolean): void {
    socket.data.strikes = accepted ? 0 : socket.data.strikes + 1;
    if (socket.data.strikes < this.config.rateLimits.strikes || socket.data.closeAfterAnswers) return;
    this.logger.warn({ userId: socket.data.auth.userId, socket: socket.id, address: socket.data.address }, 'socket kept exceeding its rate limit; disconnecting');
    socket.emit('system:disconnect', { reason: 'rate_limited', message: 'too many requests after being told to slow down' });
    this.metrics.strikeDisconnects.inc();
    socket.data.closeAfterAnswers = setTimeout(() => socket.disconnect(true), FLOOD_ANSWER_WAIT_MS);
  }

  /** What a socket told to stop gets for each further request: wait until its whole budget is back. */
  private floodRefusal(): DomainError {
    const { burst, perSecond } = this.config.rateLimits.connection;
    const retryAfterMs = Math.ceil((burst / perSecond) * 1000);
    return new DomainError('rate_limited', 'too many requests after being told to slow down; this socket is being closed', [{ retryAfterMs }]);
  }

  private answer(socket: RelaySocket, reply: Reply, acknowledge: Acknowledge | undefined): void {
    if (reply.requestId === undefined) socket.emit('failure', reply.body);
    else socket.emit(reply.requestId, reply.body);
    acknowledge?.(reply.body);
  }

  private endSessions(room: string, reason: string): void {
    this.server.to(room).emit('session:revoked', { reason });
    // Once the current tick's answers are out: a socket that logs itself out still gets its answer.
    setImmediate(() => this.server.in(room).disconnectSockets(true));
  }
}

/** The answer to a request refused unread: on its requestId, or `failure` when it has none. */
function refusal(raw: unknown, error: DomainError): Reply {
  const envelope = readEnvelope(raw);
  if (!envelope.ok) {
    const body = errorBody(error, envelope.context);
    return envelope.requestId === undefined ? { requestId: undefined, body } : { requestId: envelope.requestId, body };
  }
  const { module, command, requestId } = envelope.request;
  return { requestId, body: errorBody(error, { module, command, requestId }) };
}
