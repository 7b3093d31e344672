import { join } from 'node:path';
import type pg from 'pg';
import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import type { AppConfig } from '../config/config.js';
import { survivePoolConnectionErrors } from './connection-errors.js';
import { createDataSource } from './data-source.js';
import { startEmbeddedPostgres, type EmbeddedDatabase, type EmbeddedOptions } from './embedded-postgres.js';
import { watchForStalls } from './stall-watch.js';

export interface OpenDatabase {
  dataSource: DataSource;
  /** Settles only if the embedded PostgreSQL stopped and could not be started again. */
  failed: Promise<Error>;
  close(): Promise<void>;
}

const CONNECT_ATTEMPTS = 30;

/** Connects, retrying for a while: in docker-compose the database may still be starting. */
async function connect(dataSource: DataSource, logger: Logger): Promise<void> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      await dataSource.initialize();
      return;
    } catch (error) {
      if (attempt >= CONNECT_ATTEMPTS) throw error;
      logger.warn({ attempt, error: (error as Error).message }, 'database not reachable yet, retrying');
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
}

/** The database at DATABASE_URL, or the embedded one under DATA_DIR, connected and migrated. */
export async function openDatabase(config: AppConfig, logger: Logger, options: EmbeddedOptions = {}): Promise<OpenDatabase> {
  let embedded: EmbeddedDatabase | undefined;
  const url = config.databaseUrl ?? (embedded = await startEmbeddedPostgres(join(config.dataDir, 'postgres'), logger, options)).url;
  const dataSource = createDataSource(url, { querySeconds: config.databaseQueryTimeoutSeconds, connectSeconds: config.databaseConnectTimeoutSeconds });
  let stopWatch: (() => void) | undefined;
  const close = async () => {
    stopWatch?.();
    if (dataSource.isInitialized) await dataSource.destroy();
    await embedded?.stop();
  };
  try {
    await connect(dataSource, logger);
    // TypeORM's pool, made by initialize().
    const pool = (dataSource.driver as unknown as { master: pg.Pool }).master;
    survivePoolConnectionErrors(pool, logger);
    stopWatch = watchForStalls(pool, url, config.databaseConnectTimeoutSeconds * 1000, logger);
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    if (applied.length > 0) logger.info({ migrations: applied.map((migration) => migration.name) }, 'database migrated');
  } catch (error) {
    await close();
    throw error;
  }
  return { dataSource, failed: embedded?.failed ?? new Promise(() => undefined), close };
}
