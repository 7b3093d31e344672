import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import type { Logger } from 'pino';
import { CommandRegistry } from './commands/command-registry.js';
import { buildOpenApiDocument } from './transports/rest/openapi.js';
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

/** Starts everything: the database (embedded unless DATABASE_URL is set), migrations, the HTTP and Socket.IO server. */
export async function startServer(config: AppConfig, logger: Logger, logStream: LogStream, seams: TestSeams = {}): Promise<RunningServer> {
  const database = await openDatabase(config, logger);
  const { dataSource } = database;
  try {
    const app = await NestFactory.create<NestFastifyApplication>(
      AppModule.forRoot({ config, logger, dataSource, logStream, seams }),
      new FastifyAdapter({ bodyLimit: 100_000, return503OnClosing: true }),
      { logger: new NestPinoLogger(logger) },
    );
    app.useWebSocketAdapter(new RelayIoAdapter(app, config));
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
      failed: database.failed,
      close: async () => {
        await app.close();
        await database.close();
      },
    };
  } catch (error) {
    await database.close();
    throw error;
  }
}
