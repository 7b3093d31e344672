import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import type { Logger } from 'pino';
import { CommandRegistry } from './commands/command-registry.js';
import { RequestGate } from './commands/request-gate.js';
import { buildOpenApiDocument } from './transports/rest/openapi.js';
import { admitHttpRequests } from './transports/rest/request-admission.js';
import { AppModule } from './app.module.js';
import type { TestSeams } from './common/test-seams.js';
import type { AppConfig } from './config/config.js';
import { openDatabase } from './database/open-database.js';
import { MediaMtxAuthCallers } from './mediamtx/auth-callers.js';
import { authCallbackRoute } from './mediamtx/auth-callback.route.js';
import { MediaMtxAuthService } from './mediamtx/mediamtx-auth.service.js';
import type { LogStream } from './logging/log-stream.js';
import { NestPinoLogger } from './logging/logger.js';
import { checkCanListen, describeBoundAddress, explainListenError } from './listen-address.js';
import { httpServerOptions } from './transports/rest/http-server-options.js';
import { acceptJsonBodiesOnly, shapeNodeRefusals } from './transports/rest/request-rules.js';
import { serveDirectRoutesFirst } from './transports/rest/direct-routes.js';
import { API_DOCS_PATH, registerRootRoute } from './transports/rest/root-route.js';
import { registerAsyncApiRoutes } from './transports/rest/asyncapi-routes.js';
import { RelayIoAdapter } from './transports/socket/socket-io.adapter.js';
import { UsersService } from './users/users.service.js';
import { VERSION } from './version.js';

export interface RunningServer {
  url: string;
  /** Settles only if the database is lost for good (the embedded PostgreSQL could not be kept running). */
  failed: Promise<Error>;
  close(): Promise<void>;
}

async function createInitialAdmin(app: NestFastifyApplication, config: AppConfig, logger: Logger): Promise<void> {
  const password = config.adminPassword ?? randomBytes(12).toString('base64url');
  const users = app.get(UsersService);
  const created = await users.ensureInitialAdmin(password);
  if (!created) {
    if (config.adminPassword !== undefined && !(await users.hasPassword('admin', config.adminPassword))) {
      logger.warn(
        { variable: 'ADMIN_PASSWORD' },
        'ADMIN_PASSWORD is ignored: it sets the password of "admin" on the first start only, and this database has its users already. To set a new password: npm run reset-password -- admin',
      );
    }
    return;
  }
  logger.info({ username: 'admin' }, 'created the first admin account');
  if (!config.adminPassword) {
    // Shown once on the terminal, deliberately outside the structured log.
    process.stdout.write(`\n  First start: created user "admin" with password: ${password}\n  Change it after logging in.\n\n`);
  }
}

/** How long shutdown waits for the requests in flight: most of the grace, keeping some for closing. */
function drainLimitMs(config: AppConfig): number {
  const graceMs = config.shutdownGraceSeconds * 1000;
  return Math.max(graceMs / 2, graceMs - 3000);
}

/** Starts everything: the database (embedded unless DATABASE_URL is set), migrations, the HTTP and Socket.IO server. */
export async function startServer(config: AppConfig, logger: Logger, logStream: LogStream, seams: TestSeams = {}): Promise<RunningServer> {
  // A port in use or a HOST that is not here stops the start before the database is touched.
  await checkCanListen(config.host, config.port);
  const database = await openDatabase(config, logger);
  const { dataSource } = database;
  let app: NestFastifyApplication | undefined;
  try {
    app = await NestFactory.create<NestFastifyApplication>(
      AppModule.forRoot({ config, logger, dataSource, logStream, seams }),
      new FastifyAdapter(httpServerOptions(config, logger)),
      // Nest's parsers would add form-encoded bodies; Fastify's JSON parser is the one kept.
      { logger: new NestPinoLogger(logger), bodyParser: false },
    );
    acceptJsonBodiesOnly(app.getHttpAdapter().getInstance());
    app.useWebSocketAdapter(new RelayIoAdapter(app, config));
    const gate = app.get(RequestGate);
    admitHttpRequests(app.getHttpAdapter().getInstance(), gate);
    // Not strict: a malformed preflight would get a text/plain 400 from @fastify/cors.
    app.enableCors({ origin: config.corsOrigins.includes('*') ? true : config.corsOrigins, credentials: true, strictPreflight: false });
    // Built on first request: modules register their commands in onModuleInit, which runs at init().
    const registry = app.get(CommandRegistry);
    const document = () => buildOpenApiDocument(registry, VERSION) as unknown as OpenAPIObject;
    SwaggerModule.setup(API_DOCS_PATH.slice(1), app, document, { jsonDocumentUrl: 'api/docs-json' });
    registerRootRoute(app.getHttpAdapter().getInstance());
    registerAsyncApiRoutes(app.getHttpAdapter().getInstance(), registry, VERSION);
    await app.init();
    await serveDirectRoutesFirst(app.getHttpServer(), { config, logger, gate }, [authCallbackRoute(app.get(MediaMtxAuthCallers), app.get(MediaMtxAuthService))]);
    shapeNodeRefusals(app.getHttpServer());
    await app.listen(config.port, config.host).catch((error: unknown) => {
      throw explainListenError(error, config.host, config.port);
    });
    // After the listen, so that a generated password is printed only by a start that worked.
    await createInitialAdmin(app, config, logger);
    const { address, url } = describeBoundAddress(app.getHttpServer().address() as AddressInfo);
    logger.info({ address, url, docs: `${url}${API_DOCS_PATH}`, version: VERSION }, 'listening');
    const running = app;
    return {
      url,
      failed: database.failed,
      close: async () => {
        const unanswered = await gate.drain(drainLimitMs(config));
        if (unanswered > 0) logger.warn({ unanswered }, 'requests still in flight at the end of the shutdown grace; closing anyway');
        await running.close();
        await database.close();
      },
    };
  } catch (error) {
    // Background work (path sync, OAuth2 refresh, the control connection) stops before its database goes.
    await app?.close().catch((closeError: unknown) => logger.warn({ err: closeError }, 'could not stop cleanly after a failed start'));
    await database.close();
    throw error;
  }
}
