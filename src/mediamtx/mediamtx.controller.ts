import { Body, Controller, Headers, HttpCode, Param, Post, Query, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DomainError, errorBody, unauthorized, validationFailed, zodDetails } from '../common/errors.js';
import { MediaMtxAuthCallers } from './auth-callers.js';
import { HooksService } from './hooks.service.js';
import { authRequestSchema, MediaMtxAuthService } from './mediamtx-auth.service.js';

type HookHeaders = Record<string, string | undefined>;

/**
 * MediaMTX's side of the API. Not registry commands: MediaMTX speaks its own shapes. Both are
 * public routes that only MediaMTX may call: the hooks send the hook secret in a header, the
 * auth callback in its URL (or comes from an allowed address).
 */
@Controller('api/mediamtx')
export class MediaMtxController {
  constructor(
    private readonly hooks: HooksService,
    private readonly auth: MediaMtxAuthService,
    private readonly callers: MediaMtxAuthCallers,
  ) {}

  @Post('hooks/:event')
  @HttpCode(204)
  async hook(@Param('event') event: string, @Headers() headers: HookHeaders): Promise<void> {
    await this.hooks.handle(event, {
      secret: headers['x-hook-secret'],
      path: headers['x-mtx-path'],
      query: headers['x-mtx-query'],
      sourceType: headers['x-mtx-source-type'],
      sourceId: headers['x-mtx-source-id'],
      readerType: headers['x-mtx-reader-type'],
      readerId: headers['x-mtx-reader-id'],
    });
  }

  @Post('auth')
  async authorize(@Body() body: unknown, @Query('secret') secret: unknown, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    if (!this.callers.admits(secret, request.raw.socket.remoteAddress, request.headers)) {
      await reply.status(401).send(errorBody(unauthorized('only MediaMTX may call this: the hook secret is missing or wrong')));
      return;
    }
    const parsed = authRequestSchema.safeParse(body);
    if (!parsed.success) {
      const error = validationFailed(zodDetails(parsed.error));
      await reply.status(400).send(errorBody(error));
      return;
    }
    const decision = await this.auth.decide(parsed.data);
    if (decision.status === 200) await reply.status(200).send({ allowed: true });
    else await reply.status(decision.status).send(errorBody(new DomainError(decision.status === 401 ? 'unauthorized' : 'forbidden', decision.reason)));
  }
}
