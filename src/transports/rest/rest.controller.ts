import { Controller, createParamDecorator, Delete, Get, Inject, Patch, Post, Put, type ExecutionContext } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AccessTokenService } from '../../auth/access-token.service.js';
import { Dispatcher } from '../../commands/dispatcher.js';
import { clientAddress } from '../../common/client-address.js';
import { APP_CONFIG, type AppConfig } from '../../config/config.js';
import { REST_PREFIX, restPaths, restRouteAt, type HttpMethod } from './rest-routes.js';

interface HttpExchange {
  request: FastifyRequest;
  reply: FastifyReply;
}

const Exchange = createParamDecorator(
  (_: unknown, context: ExecutionContext): HttpExchange => ({
    request: context.switchToHttp().getRequest<FastifyRequest>(),
    reply: context.switchToHttp().getResponse<FastifyReply>(),
  }),
);

/** REST face of the command registry: the routes of `REST_ROUTES`, each one dispatch. */
@Controller(REST_PREFIX)
export class RestController {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly dispatcher: Dispatcher,
    private readonly accessTokens: AccessTokenService,
  ) {}

  @Get(restPaths('GET'))
  get(@Exchange() exchange: HttpExchange) {
    return this.run('GET', exchange);
  }

  @Post(restPaths('POST'))
  post(@Exchange() exchange: HttpExchange) {
    return this.run('POST', exchange);
  }

  @Put(restPaths('PUT'))
  put(@Exchange() exchange: HttpExchange) {
    return this.run('PUT', exchange);
  }

  @Patch(restPaths('PATCH'))
  patch(@Exchange() exchange: HttpExchange) {
    return this.run('PATCH', exchange);
  }

  @Delete(restPaths('DELETE'))
  delete(@Exchange() exchange: HttpExchange) {
    return this.run('DELETE', exchange);
  }

  private async run(method: HttpMethod, { request, reply }: HttpExchange): Promise<unknown> {
    const route = restRouteAt(method, request.routeOptions.url);
    const params = request.params as { module?: string; id?: string };
    const payload = route.payload === 'query' ? request.query : route.payload === 'body' ? request.body : undefined;
    const address = clientAddress(request.raw.socket.remoteAddress, request.headers, this.config.trustProxy);
    const outcome = await this.dispatcher.dispatch(
      { module: route.module ?? params.module ?? '', command: route.command, entity: route.entity ? params.id : undefined, payload },
      {
        connection: `http:${address}`,
        address,
        transport: 'rest',
        authenticate: () => this.accessTokens.authenticateRequest({ headers: { authorization: request.headers.authorization } }),
        channel: null,
      },
    );
    void reply.status(outcome.status);
    return outcome.body;
  }
}
