import type { IncomingMessage, Server as HttpServer, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Server as SocketIoServer } from 'socket.io';
import { WebSocketServer, type ServerOptions as WsServerOptions } from 'ws';
import { DomainError, errorBody } from '../../common/errors.js';
import { rawErrorResponse } from '../http-errors.js';

/** engine.io's error code for a request its `allowRequest` refused (`Server.errors.FORBIDDEN`). */
const ENGINE_FORBIDDEN = 4;

type EngineServer = SocketIoServer['engine'];

interface EngineConnectionError {
  req: IncomingMessage & { res?: ServerResponse };
  code: number;
  message: string;
  context?: { message?: string };
}

/**
 * Gives the one error shape to engine.io's refusals of a handshake or request (unknown transport
 * or session, bad method, an origin `allowRequest` refused), which it answers with its own
 * `{code, message}`. engine.io emits `connection_error` just before it answers and answers only
 * when nothing has been sent yet, so the answer written here is the one the client gets.
 * Refusals within an established long-polling session (an overlapping poll, a body over the
 * limit) are answered by engine.io's transport with an empty body, out of reach of this event.
 */
export function shapeEngineRefusals(engine: EngineServer): void {
  engine.on('connection_error', ({ req, code, message, context }: EngineConnectionError) => {
    const error =
      code === ENGINE_FORBIDDEN
        ? new DomainError('forbidden', `Socket.IO refused the connection: ${context?.message ?? message}`)
        : new DomainError('validation_failed', `Socket.IO refused the request: ${context?.message ?? message}`);
    const response = req.res;
    if (response) {
      if (response.headersSent) return;
      response.writeHead(error.status, { 'content-type': 'application/json; charset=utf-8' });
      response.end(JSON.stringify(errorBody(error)));
    } else if (req.socket.writable) {
      // An upgrade request: engine.io writes to the socket itself, unless it has ended.
      req.socket.end(rawErrorResponse(error));
    }
  });
}

/**
 * Answers a WebSocket upgrade to any path but Socket.IO's with `404 no such route`. Socket.IO is
 * to be created with `destroyUpgrade: false`: otherwise engine.io closes such a socket a second
 * later without a word.
 */
export function refuseOtherUpgrades(httpServer: HttpServer, socketIoPath: string): void {
  const prefix = `${socketIoPath.replace(/\/$/, '')}/`;
  httpServer.on('upgrade', (request: IncomingMessage, socket: Duplex) => {
    if (request.url?.startsWith(prefix)) return;
    socket.on('error', () => undefined);
    if (socket.writable) socket.end(rawErrorResponse(new DomainError('not_found', 'no such route')));
    else socket.destroy();
  });
}

/**
 * ws's WebSocket server, which engine.io creates for upgrades (its `wsEngine` option), with ws's
 * own handshake refusals (a missing or invalid Sec-WebSocket-Key, ...) in the one error shape
 * rather than as text/html.
 */
export class ShapedWebSocketServer extends WebSocketServer {
  constructor(options: WsServerOptions) {
    super(options);
    this.on('wsClientError', (error: Error, socket: Duplex) => {
      if (socket.writable) socket.write(rawErrorResponse(new DomainError('validation_failed', `the WebSocket handshake is not valid: ${error.message}`)));
      socket.destroy();
    });
  }
}
