import type { TestSeams } from './common/test-seams.js';
import { StartupError } from './common/startup-error.js';
import { ConfigError, KNOWN_VARIABLES, loadConfig } from './config/config.js';
import { loadDotEnv } from './config/dotenv.js';
import { misspeltVariableWarnings } from './config/misspelt-variables.js';
import { LogStream } from './logging/log-stream.js';
import { createLogger } from './logging/logger.js';
import { startServer } from './server.js';

/** Runs the relay as a process: config from the environment, logs to stdout, signals for shutdown. */
export async function runServer(seams: TestSeams = {}): Promise<void> {
  let config;
  let envFile: string | undefined;
  try {
    envFile = loadDotEnv(process.cwd());
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`mtx-relay: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const logStream = new LogStream(config.logBufferLines, config.instanceName);
  const logger = createLogger(config.logLevel, process.stdout, logStream);
  process.on('unhandledRejection', (reason) => logger.error({ err: reason }, 'unhandled promise rejection'));
  if (envFile) logger.info({ file: envFile }, 'read settings from .env (environment variables win over it)');
  for (const warning of misspeltVariableWarnings(process.env, KNOWN_VARIABLES)) logger.warn(warning);

  // Signals are handled from the start, so one that arrives while the server starts still stops it cleanly.
  const starting = startServer(config, logger, logStream, seams);
  let stopping = false;
  const stop = (signal: string, exitCode = 0) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => {
      logger.error('shutdown took too long; exiting');
      process.exit(1);
    }, config.shutdownGraceSeconds * 1000);
    force.unref();
    starting
      .then((server) => server.close())
      .then(
        () => {
          logger.info('stopped');
          process.exit(exitCode);
        },
        (error: unknown) => {
          logger.error({ err: error }, 'error while shutting down');
          process.exit(1);
        },
      );
  };
  // Shutdown is ours: a handler a dependency installed must not exit while requests are in flight.
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.removeAllListeners(signal);
    process.on(signal, () => stop(signal));
  }
  // Exiting non-zero lets a process manager start the relay again.
  starting
    .then((server) => server.failed)
    .then(
      (error) => {
        logger.fatal({ error: error.message }, 'the database is lost; stopping');
        stop('database lost', 1);
      },
      () => undefined,
    );
  await starting.catch((error: unknown) => {
    if (error instanceof StartupError) {
      process.stderr.write(`mtx-relay: ${error.message}\n`);
      process.exit(1);
    }
    logger.fatal({ err: error }, 'could not start');
    process.exit(1);
  });
}
