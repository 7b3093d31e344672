import { Catch, HttpException, Inject, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type { Logger } from 'pino';
import { DomainError, errorBody, toDomainError, type ErrorCode } from '../../common/errors.js';
import { LOGGER } from '../../logging/logger.js';

const CODE_BY_STATUS: Record<number, ErrorCode> = {
  400: 'validation_failed',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'not_found',
  409: 'conflict',
  413: 'validation_failed',
  415: 'validation_failed',
  429: 'rate_limited',
  503: 'unavailable',
};

/** Whatever escapes a route (unknown paths, unreadable bodies, bugs) leaves in the one error shape. */
@Catch()
export class HttpErrorFilter implements ExceptionFilter {
  constructor(@Inject(LOGGER) private readonly logger: Logger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const error = this.toDomain(exception);
    if (error.code === 'internal') this.logger.error({ err: exception }, 'unhandled error in an HTTP route');
    void reply.status(error.status).send(errorBody(error));
  }

  private toDomain(exception: unknown): DomainError {
    const status = exception instanceof HttpException ? exception.getStatus() : (exception as { statusCode?: unknown }).statusCode;
    if (typeof status === 'number' && CODE_BY_STATUS[status]) {
      const message = status === 404 || status === 405 ? 'no such route' : (exception as Error).message;
      return new DomainError(CODE_BY_STATUS[status], message);
    }
    return toDomainError(exception);
  }
}
