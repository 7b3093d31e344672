import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import { CommandRegistry } from './api/command-registry.js';
import { buildOpenApiDocument } from './api/openapi.js';
import { AppModule } from './app.module.js';
import type { AppConfig } from './config/config.js';
import { createDataSource } from './database/data-source.js';
import { startEmbeddedPostgres, type EmbeddedDatabase } from './database/embedded-postgres.js';
import { NestPinoLogger } from './logging/logger.js';
import { RelayIoAdapter } from './realtime/socket-io.adapter.js';
import { UsersService } from './users/users.service.js';

export const VERSION = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

export interface RunningServer {
  url: string;
  close(): Promise<void>;
}

const DATABASE_CONNECT_ATTEMPTS = 30;

/** Connects, retrying for a while: in docker-compose the database may still be starting. */
async function connect(dataSource: DataSource, logger: Logger): Promise<void> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      await dataSource.initialize();
      return;
    } catch (error) {
      if (attempt >= DATABASE_CONNECT_ATTEMPTS) throw error;
      logger.warn({ attempt, error: (error as Error).message }, 'database not reachable yet, retrying');
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
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

/** Starts everything: the database (embedded unless DATABASE_URL is set), migrations, the HTTP and Socket.IO server. */
export async function startServer(config: AppConfig, logger: Logger): Promise<RunningServer> {
  let embedded: EmbeddedDatabase | undefined;
  const databaseUrl = config.databaseUrl ?? (embedded = await startEmbeddedPostgres(join(config.dataDir, 'postgres'), logger)).url;
  const dataSource = createDataSource(databaseUrl);
  try {
    await connect(dataSource, logger);
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    if (applied.length > 0) logger.info({ migrations: applied.map((migration) => migration.name) }, 'database migrated');

    const app = await NestFactory.create<NestFastifyApplication>(
      AppModule.forRoot({ config, logger, dataSource }),
      new FastifyAdapter({ bodyLimit: 100_000, return503OnClosing: true }),
      { logger: new NestPinoLogger(logger) },
    );
    app.useWebSocketAdapter(new RelayIoAdapter(app, config));
    app.enableCors({ origin: config.corsOrigins.includes('*') ? true : config.corsOrigins, credentials: true });
    const document = buildOpenApiDocument(app.get(CommandRegistry), VERSION) as unknown as OpenAPIObject;
    SwaggerModule.setup('api/docs', app, () => document, { jsonDocumentUrl: 'api/docs-json' });
    await createInitialAdmin(app, config, logger);
    await app.listen(config.port, config.host);
    const url = await app.getUrl();
    logger.info({ url, version: VERSION }, 'listening');
    return {
      url,
      close: async () => {
        await app.close();
        await dataSource.destroy();
        await embedded?.stop();
      },
    };
  } catch (error) {
    if (dataSource.isInitialized) await dataSource.destroy();
    await embedded?.stop();
    throw error;
  }
}
