import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyAdapter } from '@nestjs/platform-fastify';
import type { FastifyReply } from 'fastify';
import type { Logger } from 'pino';
import { DomainError, errorBody } from '../../common/errors.js';
import type { AppConfig } from '../../config/config.js';
import { HttpRefusal, rawErrorResponse, toHttpError } from '../http-errors.js';

const MAX_BODY_BYTES = 100_000;
/** Long enough for any id a route takes, OAuth2 callback values included. */
const MAX_PATH_PARAM_LENGTH = 1000;
/** How often Node checks connections against the header and request timeouts (its default, 30 s, would let them overrun by that much). */
const TIMEOUT_CHECK_INTERVAL_MS = 1000;

type FastifyAdapterOptions = NonNullable<ConstructorParameters<typeof FastifyAdapter>[0]>;

/** What Node's HTTP parser reports on a connection it gives up on, as the answer the client gets. */
function clientErrorAnswer(code: string, config: AppConfig): DomainError {
  const { headersTimeoutSeconds, requestTimeoutSeconds } = config.http;
  switch (code) {
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return new HttpRefusal(408, `the request did not arrive in time: the headers must arrive within ${headersTimeoutSeconds} s and the whole request within ${requestTimeoutSeconds} s`);
    case 'HPE_HEADER_OVERFLOW':
      return new HttpRefusal(431, 'the request line and headers are too large (at most 16 KB together)');
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return new HttpRefusal(413, 'the chunk extensions of the request body are too large');
    default:
      return new DomainError('validation_failed', 'the request is not valid HTTP');
  }
}

/**
 * The options of the Fastify server: limits, timeouts that close slow clients, and the answers
 * Fastify's router and Node's HTTP parser give before Nest sees a request, in the one error shape.
 */
export function httpServerOptions(config: AppConfig, logger: Logger): FastifyAdapterOptions {
  const { headersTimeoutSeconds, requestTimeoutSeconds, keepAliveTimeoutSeconds } = config.http;
  return {
    bodyLimit: MAX_BODY_BYTES,
    // Requests that arrive while closing are refused by the request gate, in the one error shape.
    return503OnClosing: false,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: MAX_PATH_PARAM_LENGTH },
    // Node's requestTimeout counts until the whole request is received, so a Socket.IO long-poll
    // (a GET answered up to pingInterval later) and upgraded WebSockets are not cut by it.
    requestTimeout: requestTimeoutSeconds * 1000,
    keepAliveTimeout: keepAliveTimeoutSeconds * 1000,
    http: {
      headersTimeout: headersTimeoutSeconds * 1000,
      requestTimeout: requestTimeoutSeconds * 1000,
      connectionsCheckingInterval: TIMEOUT_CHECK_INTERVAL_MS,
      // Checked in request-rules.ts, so that the refusal has the error shape.
      requireHostHeader: false,
    },
    frameworkErrors: (error, _request, reply) => {
      const answer = toHttpError(error);
      if (answer.code === 'internal') logger.error({ err: error }, 'the router failed on a request');
      void (reply as unknown as FastifyReply).code(answer.status).send(errorBody(answer));
    },
    clientErrorHandler: (error: Error & { code?: string }, socket: Socket) => {
      if (error.code === 'ECONNRESET' || socket.destroyed) return;
      // As Node does: no answer when one has begun on this connection, it would corrupt it.
      const answering = (socket as Socket & { _httpMessage?: ServerResponse | null })._httpMessage;
      if (socket.writable && !answering?.headersSent) socket.write(rawErrorResponse(clientErrorAnswer(error.code ?? '', config)));
      socket.destroy();
    },
  };
}
