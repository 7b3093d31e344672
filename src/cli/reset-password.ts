import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { Module, type DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { loadConfig } from '../config/config.js';
import { CoreModule, type CoreDependencies } from '../core.module.js';
import { openDatabase } from '../database/open-database.js';
import { EventWriter } from '../events/event-writer.js';
import { EventsModule } from '../events/events.module.js';
import { JobsModule } from '../jobs/jobs.module.js';
import { MetricsModule } from '../metrics/metrics.module.js';
import { LogStream } from '../logging/log-stream.js';
import { createLogger, NestPinoLogger } from '../logging/logger.js';
import { UsersModule } from '../users/users.module.js';
import { updateUserSchema } from '../users/users.schemas.js';
import { UsersService } from '../users/users.service.js';

const USAGE = 'usage: npm run reset-password -- <username> [--enable] [--password-stdin]';
const STORE_WAIT_MS = 15_000;

/** The users feature with what it needs to tell running relays: the event log and the signals between instances. */
@Module({})
class ResetPasswordModule {
  static forRoot(dependencies: CoreDependencies): DynamicModule {
    return { module: ResetPasswordModule, imports: [CoreModule.forRoot(dependencies), MetricsModule, JobsModule, EventsModule, UsersModule] };
  }
}

async function readStdin(): Promise<string> {
  let text = '';
  for await (const chunk of process.stdin) text += String(chunk);
  return text.replace(/\r?\n$/, '');
}

/**
 * `npm run reset-password -- <username>`: gives the user a new password (generated and printed,
 * or read from standard input with --password-stdin), which ends every session and token the
 * user had; --enable lets a user who may not log in log in again. Run it with the server's
 * environment: it works on DATABASE_URL, or on the embedded PostgreSQL under DATA_DIR, started
 * for it or, while the relay runs, the relay's own. Running relays follow the change at once.
 */
async function main(): Promise<void> {
  const { values, positionals } = parseArgs({ options: { enable: { type: 'boolean' }, 'password-stdin': { type: 'boolean' } }, allowPositionals: true });
  const [username] = positionals;
  if (!username || positionals.length > 1) throw new Error(USAGE);
  const generated = values['password-stdin'] ? undefined : randomBytes(12).toString('base64url');
  const checked = updateUserSchema.safeParse({ password: generated ?? (await readStdin()) });
  if (!checked.success) throw new Error(`the password ${checked.error.issues[0]?.message ?? 'is not valid'}`);
  const password = checked.data.password!;

  const config = loadConfig();
  const logger = createLogger(config.logLevel === 'debug' || config.logLevel === 'trace' ? config.logLevel : 'warn', process.stderr);
  const database = await openDatabase(config, logger, { shareRunning: true });
  try {
    const dependencies = { config, logger, dataSource: database.dataSource, logStream: new LogStream(config.logBufferLines, config.instanceName), seams: {} };
    const app = await NestFactory.createApplicationContext(ResetPasswordModule.forRoot(dependencies), { logger: new NestPinoLogger(logger) });
    try {
      // Running relays learn of the change from the stored event: wait until it is stored.
      // The audit record's event may be stored in a batch of its own, ahead of the users event.
      const stored = new Promise<boolean>((resolve) =>
        app.get(EventWriter).onStored(async (events) => {
          if (events.some((event) => event.domain === 'users')) resolve(true);
        }),
      );
      const { user, adminsWhoCanLogIn } = await app.get(UsersService).resetPassword(username, password, values.enable === true);
      const told = await Promise.race([stored, sleep(STORE_WAIT_MS, false, { ref: false })]);
      process.stdout.write(generated ? `new password for ${user.username}: ${generated}\n` : `password of ${user.username} changed\n`);
      process.stdout.write(`every session and token of ${user.username} is revoked${user.can_login ? '' : `; ${user.username} may not log in (add --enable to allow it)`}\n`);
      if (!told) process.stderr.write('note: the change could not be recorded for running relays; restart them to be sure they follow it\n');
      if (adminsWhoCanLogIn === 0) process.stderr.write("note: no admin can log in; run this again with an admin's username and --enable\n");
    } finally {
      await app.close();
    }
  } finally {
    await database.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`mtx-relay reset-password: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
