import { STATUS_CODES } from 'node:http';
import { HttpException } from '@nestjs/common';
import { DomainError, ERROR_STATUS, errorBody, toDomainError, type ErrorCode } from '../common/errors.js';

/**
 * A refusal of the HTTP layer itself (a request not received in time, too large, not JSON), in
 * the one error shape with the HTTP status that says so: 408, 413, 414, 415 or 431 with the code
 * `validation_failed`, whose own status is 400.
 */
export class HttpRefusal extends DomainError {
  constructor(
    private readonly httpStatus: number,
    message: string,
    code: ErrorCode = 'validation_failed',
  ) {
    super(code, message);
  }

  override get status(): number {
    return this.httpStatus;
  }
}

const CODE_BY_STATUS: Record<number, ErrorCode> = {
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'not_found',
  409: 'conflict',
  429: 'rate_limited',
  503: 'unavailable',
};

/** Fastify's own wording where it names Fastify's internals or repeats what the client sent. */
const MESSAGE_BY_FASTIFY_CODE: Record<string, string> = {
  FST_ERR_BAD_URL: 'the URL is not valid: it has a malformed percent-encoding',
  FST_ERR_MAX_PARAM_LENGTH: 'a part of the URL path is too long',
  FST_ERR_CTP_BODY_TOO_LARGE: 'Request body is too large',
};

/**
 * The one mapping of whatever the HTTP side throws or refuses to the error shape: domain errors
 * as they are, Nest and Fastify errors by their status (a 404 or 405 is `no such route`; other
 * client errors are `validation_failed` with their own status), anything else `internal`.
 */
export function toHttpError(exception: unknown): DomainError {
  if (exception instanceof DomainError) return exception;
  const status = exception instanceof HttpException ? exception.getStatus() : (exception as { statusCode?: unknown } | null)?.statusCode;
  if (typeof status !== 'number') return toDomainError(exception);
  if (status === 404 || status === 405) return new DomainError('not_found', 'no such route');
  const code = CODE_BY_STATUS[status] ?? (status >= 400 && status < 500 ? 'validation_failed' : undefined);
  if (!code) return toDomainError(exception);
  const fastifyCode = (exception as { code?: unknown }).code;
  const message = (typeof fastifyCode === 'string' && MESSAGE_BY_FASTIFY_CODE[fastifyCode]) || (exception as Error).message;
  return ERROR_STATUS[code] === status ? new DomainError(code, message) : new HttpRefusal(status, message, code);
}

/** The error as a whole HTTP/1.1 response, for answers written straight to a socket that is closed after it. */
export function rawErrorResponse(error: DomainError): string {
  const body = JSON.stringify(errorBody(error));
  return (
    `HTTP/1.1 ${error.status} ${STATUS_CODES[error.status] ?? ''}\r\n` +
    `Content-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`
  );
}
