import type { IncomingHttpHeaders, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { DomainError, errorBody } from '../../common/errors.js';
import { HttpRefusal } from '../http-errors.js';

type RequestListener = (request: IncomingMessage, response: ServerResponse) => void;

const hasBody = (headers: IncomingHttpHeaders): boolean => headers['transfer-encoding'] !== undefined || Number(headers['content-length'] ?? 0) > 0;

/**
 * Request bodies are JSON and nothing else. Fastify parses `application/json`; its `text/plain`
 * parser goes, and any other type (form-encoded, none at all) is refused with 415 unless the body
 * is empty, as in MediaMTX's hook calls (`wget --post-data=` sends a form type with no body).
 * Compressed bodies are refused too, rather than read as broken JSON.
 */
export function acceptJsonBodiesOnly(fastify: FastifyInstance): void {
  fastify.removeContentTypeParser('text/plain');
  fastify.addContentTypeParser('*', (request, _payload, done) => {
    if (hasBody(request.headers)) done(new HttpRefusal(415, 'request bodies must be JSON: send them with Content-Type: application/json'), undefined);
    else done(null, undefined);
  });
  fastify.addHook('preParsing', (request, _reply, payload, done) => {
    const encoding = request.headers['content-encoding']?.trim().toLowerCase();
    if (encoding && encoding !== 'identity' && hasBody(request.headers)) {
      done(new HttpRefusal(415, 'compressed request bodies are not accepted: send the JSON without a Content-Encoding'));
    } else {
      done(null, payload);
    }
  });
}

function answer(response: ServerResponse, error: DomainError): void {
  response.writeHead(error.status, { 'content-type': 'application/json; charset=utf-8', connection: 'close' });
  response.end(JSON.stringify(errorBody(error)));
}

/**
 * Gives the error shape to what Node's HTTP server would answer with an empty body: an HTTP/1.1
 * request without a Host header (400) and an `Expect` other than 100-continue (417). Call once
 * Socket.IO has put its request listener in place, so this one comes before both it and Fastify.
 */
export function shapeNodeRefusals(server: Server): void {
  const listeners = server.listeners('request') as RequestListener[];
  server.removeAllListeners('request');
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    if (request.httpVersion === '1.1' && request.headers.host === undefined) {
      answer(response, new DomainError('validation_failed', 'an HTTP/1.1 request must have a Host header'));
      return;
    }
    for (const listener of listeners) listener.call(server, request, response);
  });
  server.on('checkExpectation', (_request: IncomingMessage, response: ServerResponse) => {
    answer(response, new HttpRefusal(417, 'the only expectation this server meets is 100-continue'));
  });
}
