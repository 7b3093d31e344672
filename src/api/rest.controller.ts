import { Body, Controller, createParamDecorator, Delete, Get, Param, Patch, Post, Put, Query, type ExecutionContext } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AccessTokenService } from '../auth/access-token.service.js';
import { bearerToken } from '../common/bearer.js';
import { Dispatcher, type CommandRequest } from './dispatcher.js';

interface HttpExchange {
  authorization: string | undefined;
  reply: FastifyReply;
}

/** The parts of the HTTP exchange a dispatch needs: the caller's credentials and where to put the status. */
const Exchange = createParamDecorator(
  (_: unknown, context: ExecutionContext): HttpExchange => ({
    authorization: context.switchToHttp().getRequest<FastifyRequest>().headers.authorization,
    reply: context.switchToHttp().getResponse<FastifyReply>(),
  }),
);

/** REST face of the command registry: each route is one dispatch. */
@Controller('api')
export class RestController {
  constructor(
    private readonly dispatcher: Dispatcher,
    private readonly accessTokens: AccessTokenService,
  ) {}

  @Post('auth/refresh')
  refresh(@Body() payload: unknown, @Exchange() exchange: HttpExchange) {
    return this.run({ module: 'auth', command: 'refresh', payload }, exchange);
  }

  @Get(':module')
  list(@Param('module') module: string, @Query() payload: unknown, @Exchange() exchange: HttpExchange) {
    return this.run({ module, command: 'list', payload }, exchange);
  }

  @Get(':module/:id')
  read(@Param('module') module: string, @Param('id') entity: string, @Exchange() exchange: HttpExchange) {
    return this.run({ module, command: 'read', entity }, exchange);
  }

  @Post(':module')
  create(@Param('module') module: string, @Body() payload: unknown, @Exchange() exchange: HttpExchange) {
    return this.run({ module, command: 'create', payload }, exchange);
  }

  @Put(':module/:id')
  update(@Param('module') module: string, @Param('id') entity: string, @Body() payload: unknown, @Exchange() exchange: HttpExchange) {
    return this.run({ module, command: 'update', entity, payload }, exchange);
  }

  @Patch(':module/:id')
  patch(@Param('module') module: string, @Param('id') entity: string, @Body() payload: unknown, @Exchange() exchange: HttpExchange) {
    return this.update(module, entity, payload, exchange);
  }

  @Delete(':module/:id')
  delete(@Param('module') module: string, @Param('id') entity: string, @Exchange() exchange: HttpExchange) {
    return this.run({ module, command: 'delete', entity }, exchange);
  }

  /** A delete that needs no entity, such as `DELETE /api/auth` (log out). */
  @Delete(':module')
  deleteCurrent(@Param('module') module: string, @Exchange() exchange: HttpExchange) {
    return this.run({ module, command: 'delete' }, exchange);
  }

  private async run(request: CommandRequest, { authorization, reply }: HttpExchange): Promise<unknown> {
    const outcome = await this.dispatcher.dispatch(request, () => this.accessTokens.authenticate(bearerToken(authorization)));
    void reply.status(outcome.status);
    return outcome.body;
  }
}
