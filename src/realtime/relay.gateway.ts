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
import { readEnvelope } from './envelope.js';
import { handshakeToken } from './handshake.js';

interface SocketData {
  auth: AuthContext;
}

type RelaySocket = Socket<Record<string, never>, Record<string, never>, Record<string, never>, SocketData>;
type Acknowledge = (body: unknown) => void;

export const userRoom = (userId: number): string => `user:${userId}`;
export const sessionRoom = (sessionId: string): string => `session:${sessionId}`;

/** Socket.IO face of the command registry: `request` in, one answer out on the requestId event and the ack. */
@WebSocketGateway()
export class RelayGateway implements OnGatewayInit, OnGatewayConnection {
  @WebSocketServer()
  private server!: Server;

  constructor(
    private readonly dispatcher: Dispatcher,
    private readonly accessTokens: AccessTokenService,
    private readonly bus: EventBus,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  afterInit(server: Server): void {
    // Nest guards do not run at connection time, so authentication is Socket.IO middleware.
    server.use((socket, next) => {
      this.accessTokens.authenticate(handshakeToken(socket.handshake)).then(
        (auth) => {
          (socket as RelaySocket).data.auth = auth;
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
    const { auth } = socket.data;
    void socket.join([userRoom(auth.userId), sessionRoom(auth.sessionId)]);
    socket.on('request', (...args: unknown[]) => {
      const acknowledge = typeof args.at(-1) === 'function' ? (args.pop() as Acknowledge) : undefined;
      this.handleRequest(socket, args[0]).then(
        ({ requestId, body }) => this.answer(socket, requestId, acknowledge, body),
        (thrown: unknown) => {
          this.logger.error({ err: thrown }, 'socket request failed outside the dispatcher');
          this.answer(socket, undefined, acknowledge, errorBody(toDomainError(thrown)));
        },
      );
    });
  }

  /** Validates the envelope and dispatches; returns where and what to answer. */
  async handleRequest(socket: RelaySocket, raw: unknown): Promise<{ requestId: string | undefined; body: unknown }> {
    const envelope = readEnvelope(raw);
    if (!envelope.ok) {
      return { requestId: envelope.requestId, body: errorBody(envelope.error, envelope.context) };
    }
    const outcome = await this.dispatcher.dispatch(envelope.request, () => this.accessTokens.recheck(socket.data.auth));
    return { requestId: envelope.request.requestId, body: outcome.body };
  }

  private answer(socket: RelaySocket, requestId: string | undefined, acknowledge: Acknowledge | undefined, body: unknown): void {
    const emitter = socket as unknown as { emit(event: string, body: unknown): void };
    emitter.emit(requestId ?? 'failure', body);
    acknowledge?.(body);
  }

  private endSessions(room: string, reason: string): void {
    this.server.to(room).emit('session:revoked', { reason });
    this.server.in(room).disconnectSockets(true);
  }
}
