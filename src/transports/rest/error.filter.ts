import { Catch, Inject, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type { Logger } from 'pino';
import { errorBody } from '../../common/errors.js';
import { LOGGER } from '../../logging/logger.js';
import { toHttpError } from '../http-errors.js';

/** Whatever escapes a route (unknown paths, unreadable bodies, bugs) leaves in the one error shape. */
@Catch()
export class HttpErrorFilter implements ExceptionFilter {
  constructor(@Inject(LOGGER) private readonly logger: Logger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const error = toHttpError(exception);
    if (error.code === 'internal') this.logger.error({ err: exception }, 'unhandled error in an HTTP route');
    void reply.status(error.status).send(errorBody(error));
  }
}
