import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
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
import type { LogStream } from './logging/log-stream.js';
import { NestPinoLogger } from './logging/logger.js';
import { RelayIoAdapter } from './transports/socket/socket-io.adapter.js';
import { UsersService } from './users/users.service.js';
import { VERSION } from './version.js';

export interface RunningServer {
  url: string;
  close(): Promise<void>;
}

async function createInitialAdmin(app: NestFastifyApplication, config: AppConfig, logger: Logger): Promise<void> {
  const password = config.adminPassword ?? randomBytes(12).toString('base64url');
  const created = await app.get(UsersService).ensureInitialAdmin(password);
  if (!created) return;
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
  const database = await openDatabase(config, logger);
  const { dataSource } = database;
  try {
    const app = await NestFactory.create<NestFastifyApplication>(
      AppModule.forRoot({ config, logger, dataSource, logStream, seams }),
      // Requests that arrive while closing are refused by the request gate, in the one error shape.
      new FastifyAdapter({ bodyLimit: 100_000, return503OnClosing: false }),
      { logger: new NestPinoLogger(logger) },
    );
    app.useWebSocketAdapter(new RelayIoAdapter(app, config));
    const gate = app.get(RequestGate);
    admitHttpRequests(app.getHttpAdapter().getInstance(), gate);
    app.enableCors({ origin: config.corsOrigins.includes('*') ? true : config.corsOrigins, credentials: true });
    // Built on first request: modules register their commands in onModuleInit, which runs at listen().
    const document = () => buildOpenApiDocument(app.get(CommandRegistry), VERSION) as unknown as OpenAPIObject;
    SwaggerModule.setup('api/docs', app, document, { jsonDocumentUrl: 'api/docs-json' });
    await createInitialAdmin(app, config, logger);
    await app.listen(config.port, config.host);
    const url = await app.getUrl();
    logger.info({ url, version: VERSION }, 'listening');
    return {
      url,
      close: async () => {
        const unanswered = await gate.drain(drainLimitMs(config));
        if (unanswered > 0) logger.warn({ unanswered }, 'requests still in flight at the end of the shutdown grace; closing anyway');
        await app.close();
        await database.close();
      },
    };
  } catch (error) {
    await database.close();
    throw error;
  }
}
