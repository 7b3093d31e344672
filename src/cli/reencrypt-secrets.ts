import 'reflect-metadata';
import { loadConfig } from '../config/config.js';
import { loadDotEnv } from '../config/dotenv.js';
import { AuditRepository } from '../audit/audit.repository.js';
import { UnitOfWork } from '../audit/unit-of-work.js';
import { CredentialsRepository } from '../credentials/credentials.repository.js';
import { CredentialsService } from '../credentials/credentials.service.js';
import { SecretBox } from '../crypto/secret-box.js';
import { openDatabase } from '../database/open-database.js';
import { EventBus } from '../events/event-bus.js';
import { createLogger } from '../logging/logger.js';

/**
 * `npm run secrets:reencrypt`: moves every stored secret to the current key (SECRETS_KEY, or
 * the key file under DATA_DIR). Old keys must still be configured (SECRETS_OLD_KEYS) to read
 * what they encrypted. Run it with the server's environment. With DATABASE_URL it may run while
 * the server does; with the embedded PostgreSQL, stop the server first (the database is its own).
 */
async function main(): Promise<void> {
  loadDotEnv(process.cwd());
  const config = loadConfig();
  const logger = createLogger(config.logLevel, process.stderr);
  const database = await openDatabase(config, logger);
  try {
    const box = new SecretBox(config);
    const { dataSource } = database;
    const unit = new UnitOfWork(dataSource, new AuditRepository(dataSource), new EventBus(), {});
    const changed = await new CredentialsService(new CredentialsRepository(dataSource), box, new EventBus(), unit).reencryptAll();
    process.stdout.write(`re-encrypted ${changed} secret value(s) under key ${box.currentKeyId}\n`);
  } finally {
    await database.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`mtx-relay secrets:reencrypt: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
