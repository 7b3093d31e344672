import { Inject } from '@nestjs/common';
import { WebSocketGateway, WebSocketServer, type OnGatewayConnection, type OnGatewayInit } from '@nestjs/websockets';
import type { Logger } from 'pino';
import type { Server, Socket } from 'socket.io';
import { AccessTokenService } from '../auth/access-token.service.js';
import { Dispatcher } from '../api/dispatcher.js';
import type { AuthContext } from '../common/auth-context.js';
import { errorBody, toDomainError } from '../common/errors.js';
import { EventBus } from '../events/event-bus.js';
import { LOGGER } from '../logging/logger.js';
import type { LiveChannel } from '../api/command-registry.js';
import { readEnvelope } from './envelope.js';
import { handshakeToken } from './handshake.js';
import { sessionRoom, userRoom } from './rooms.js';
import { TopicFeed } from './topic-feed.js';

interface SocketData {
  auth: AuthContext;
}

type RelaySocket = Socket<Record<string, never>, Record<string, never>, Record<string, never>, SocketData>;
type Acknowledge = (body: unknown) => void;


/** Socket.IO face of the command registry: `request` in, one answer out on the requestId event and the ack. */
@WebSocketGateway()
export class RelayGateway implements OnGatewayInit, OnGatewayConnection {
  @WebSocketServer()
  private server!: Server;

  constructor(
    private readonly dispatcher: Dispatcher,
    private readonly accessTokens: AccessTokenService,
    private readonly bus: EventBus,
    private readonly topics: TopicFeed,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  afterInit(server: Server): void {
    this.topics.attach(server);
    // Nest guards do not run at connection time, so authentication is Socket.IO middleware.
    server.use((socket, next) => {
      const authenticate = async () => {
        const auth = await this.accessTokens.authenticate(handshakeToken(socket.handshake));
        const rooms = await this.topics.roomsFor(auth);
        return { auth, rooms: [userRoom(auth.userId), sessionRoom(auth.sessionId), ...rooms] };
      };
      authenticate().then(
        ({ auth, rooms }) => {
          (socket as RelaySocket).data.auth = auth;
          // Joined before the connection completes, so no event can slip past a new socket.
          void socket.join(rooms);
          next();
        },
        (thrown: unknown) => {
          const error = toDomainError(thrown);
          next(Object.assign(new Error(error.message), { data: errorBody(error).error }));
        },
      );
    });
    this.bus.subscribe('user.revoked', ({ userId, reason }) => this.endSessions(userRoom(userId), reason));
    this.bus.subscribe('session.revoked', ({ sessionId, reason }) => this.endSessions(sessionRoom(sessionId), reason));
  }

  handleConnection(socket: RelaySocket): void {
    const channel: LiveChannel = {
      join: (room) => void socket.join(room),
      leave: (room) => void socket.leave(room),
      rooms: () => [...socket.rooms],
    };
    socket.on('request', (...args: unknown[]) => {
      const acknowledge = typeof args.at(-1) === 'function' ? (args.pop() as Acknowledge) : undefined;
      this.handleRequest(socket, channel, args[0]).then(
        ({ requestId, body }) => this.answer(socket, requestId, acknowledge, body),
        (thrown: unknown) => {
          this.logger.error({ err: thrown }, 'socket request failed outside the dispatcher');
          this.answer(socket, undefined, acknowledge, errorBody(toDomainError(thrown)));
        },
      );
    });
  }

  /** Validates the envelope and dispatches; returns where and what to answer. */
  async handleRequest(socket: RelaySocket, channel: LiveChannel, raw: unknown): Promise<{ requestId: string | undefined; body: unknown }> {
    const envelope = readEnvelope(raw);
    if (!envelope.ok) {
      return { requestId: envelope.requestId, body: errorBody(envelope.error, envelope.context) };
    }
    const outcome = await this.dispatcher.dispatch(envelope.request, () => this.accessTokens.recheck(socket.data.auth), channel);
    return { requestId: envelope.request.requestId, body: outcome.body };
  }

  private answer(socket: RelaySocket, requestId: string | undefined, acknowledge: Acknowledge | undefined, body: unknown): void {
    const emitter = socket as unknown as { emit(event: string, body: unknown): void };
    emitter.emit(requestId ?? 'failure', body);
    acknowledge?.(body);
  }

  private endSessions(room: string, reason: string): void {
    this.server.to(room).emit('session:revoked', { reason });
    // Once the current tick's answers are out: a socket that logs itself out still gets its answer.
    setImmediate(() => this.server.in(room).disconnectSockets(true));
  }
}
