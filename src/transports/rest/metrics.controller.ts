import { Controller, Get, Headers, Inject, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { AccessTokenService } from '../../auth/access-token.service.js';
import { bearerToken } from '../../common/bearer.js';
import { forbidden } from '../../common/errors.js';
import { secretsEqual } from '../../common/secrets-equal.js';
import { APP_CONFIG, type AppConfig } from '../../config/config.js';
import { RelayMetrics } from '../../metrics/relay-metrics.js';

export const METRICS_PATH = 'metrics';

/**
 * `GET /metrics`, Prometheus' text format. Outside the command table (Prometheus reads text, not
 * the JSON envelope) and not public: it takes METRICS_TOKEN as a bearer token, or an admin's
 * access token; anything else is refused as any admin route is.
 */
@Controller()
export class MetricsController {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly accessTokens: AccessTokenService,
    private readonly metrics: RelayMetrics,
  ) {}

  @Get(METRICS_PATH)
  async scrape(@Headers('authorization') authorization: string | undefined, @Res() reply: FastifyReply): Promise<void> {
    await this.authorize(authorization);
    const { contentType, body } = await this.metrics.scrape();
    await reply.status(200).header('content-type', contentType).header('cache-control', 'no-store').send(body);
  }

  private async authorize(authorization: string | undefined): Promise<void> {
    const { metricsToken } = this.config;
    if (metricsToken !== undefined && secretsEqual(bearerToken(authorization), metricsToken)) return;
    const auth = await this.accessTokens.authenticateRequest({ headers: { authorization } });
    if (auth.role !== 'admin') throw forbidden('metrics need METRICS_TOKEN or an admin');
  }
}
