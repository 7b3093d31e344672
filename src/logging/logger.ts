import { hostname } from 'node:os';
import type { LoggerService } from '@nestjs/common';
import { pino, type Logger } from 'pino';
import pretty from 'pino-pretty';
import type { LogLevelName } from '../config/config.js';

/** Field names whose values never reach a log line, wherever they appear (two levels deep). */
export const SECRET_FIELDS = [
  'password',
  'current_password',
  'newPassword',
  'password_hash',
  'passwordHash',
  'token',
  'bearer',
  'refresh',
  'authorization',
  'cookie',
  'secret',
  'jwtSecret',
  'client_secret',
  'refresh_token',
  'access_token',
  // The bound values of a failed TypeORM query (err.parameters): password hashes, encrypted secrets.
  'parameters',
];

/** The NestMTX wire numbers for log levels (pino's defaults are one step lower). */
export const LOG_LEVEL_NUMBERS = { trace: 20, debug: 30, info: 40, warn: 50, error: 60, fatal: 70 } as const;

const redactPaths = SECRET_FIELDS.flatMap((field) => [field, `*.${field}`, `*.*.${field}`]);

/** The process logger; `capture`, when given, receives every line too (the live log stream). */
export function createLogger(level: LogLevelName, destination: NodeJS.WritableStream = process.stdout, capture?: NodeJS.WritableStream): Logger {
  const options = {
    level,
    customLevels: LOG_LEVEL_NUMBERS,
    useOnlyCustomLevels: true,
    base: { pid: process.pid, hostname: hostname(), service: 'mtx-relay' },
    redact: { paths: redactPaths, censor: '[redacted]' },
    serializers: { err: pino.stdSerializers.err },
  };
  const onTerminal = destination === process.stdout && process.stdout.isTTY;
  const customLevels = Object.entries(LOG_LEVEL_NUMBERS)
    .map(([name, number]) => `${name}:${number}`)
    .join(',');
  const stream = onTerminal
    ? pretty({ colorize: true, customLevels, ignore: 'pid,hostname,service', translateTime: 'SYS:HH:MM:ss.l' })
    : (destination as pino.DestinationStream);
  const streams = capture
    ? pino.multistream(
        [
          { level: LOG_LEVEL_NUMBERS.trace, stream },
          { level: LOG_LEVEL_NUMBERS.trace, stream: capture },
        ],
        { levels: LOG_LEVEL_NUMBERS },
      )
    : stream;
  return pino(options, streams) as unknown as Logger;
}

/** Lets Nest's own messages go through pino. */
export class NestPinoLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, context?: string): void {
    this.logger.debug({ context }, String(message));
  }
  error(message: unknown, trace?: string, context?: string): void {
    this.logger.error({ context, trace }, String(message));
  }
  warn(message: unknown, context?: string): void {
    this.logger.warn({ context }, String(message));
  }
  debug(message: unknown, context?: string): void {
    this.logger.debug({ context }, String(message));
  }
  verbose(message: unknown, context?: string): void {
    this.logger.trace({ context }, String(message));
  }
}

export const LOGGER = Symbol('LOGGER');
