import { Body, Controller, createParamDecorator, Delete, Get, Param, Patch, Post, Put, Query, type ExecutionContext } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AccessTokenService } from '../../auth/access-token.service.js';
import { Dispatcher, type CommandRequest } from '../../commands/dispatcher.js';

interface HttpExchange {
  authorization: string | undefined;
  address: string;
  reply: FastifyReply;
}

/** The parts of the HTTP exchange a dispatch needs: the caller's credentials and where to put the status. */
const Exchange = createParamDecorator(
  (_: unknown, context: ExecutionContext): HttpExchange => {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    return { authorization: request.headers.authorization, address: request.ip, reply: context.switchToHttp().getResponse<FastifyReply>() };
  },
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

  /** An update that addresses no entity, such as `auth` and `logs` updates (Socket.IO only: REST gets the same clear refusal). */
  @Put(':module')
  updateCurrent(@Param('module') module: string, @Body() payload: unknown, @Exchange() exchange: HttpExchange) {
    return this.run({ module, command: 'update', payload }, exchange);
  }

  @Patch(':module')
  patchCurrent(@Param('module') module: string, @Body() payload: unknown, @Exchange() exchange: HttpExchange) {
    return this.run({ module, command: 'update', payload }, exchange);
  }

  /** A delete that needs no entity, such as `DELETE /api/auth` (log out). */
  @Delete(':module')
  deleteCurrent(@Param('module') module: string, @Exchange() exchange: HttpExchange) {
    return this.run({ module, command: 'delete' }, exchange);
  }

  private async run(request: CommandRequest, { authorization, address, reply }: HttpExchange): Promise<unknown> {
    const outcome = await this.dispatcher.dispatch(request, {
      connection: `http:${address}`,
      address,
      authenticate: () => this.accessTokens.authenticateRequest({ headers: { authorization } }),
      channel: null,
    });
    void reply.status(outcome.status);
    return outcome.body;
  }
}
