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

/**
 * Level numbers, in one place. Standard output uses pino's own (trace 10 … fatal 60), so
 * pino-pretty and log collectors read them right. The `logs` module and the socket `log`
 * event use the NestMTX numbers, one step (10) higher: trace 20 … fatal 70.
 */
export const LOG_LEVEL_NUMBERS = { trace: 20, debug: 30, info: 40, warn: 50, error: 60, fatal: 70 } as const;
const WIRE_STEP = 10;

/** The `logs`/`log` number of a level number on standard output. */
export const wireLevel = (stdoutLevel: number): number => stdoutLevel + WIRE_STEP;

const redactPaths = SECRET_FIELDS.flatMap((field) => [field, `*.${field}`, `*.*.${field}`]);

/** The process logger; `capture`, when given, receives every line too (the live log stream). */
export function createLogger(level: LogLevelName, destination: NodeJS.WritableStream = process.stdout, capture?: NodeJS.WritableStream): Logger {
  const options = {
    level,
    base: { pid: process.pid, hostname: hostname(), service: 'mtx-relay' },
    redact: { paths: redactPaths, censor: '[redacted]' },
    serializers: { err: pino.stdSerializers.err },
  };
  const onTerminal = destination === process.stdout && process.stdout.isTTY;
  const stream = onTerminal
    ? pretty({ colorize: true, ignore: 'pid,hostname,service', translateTime: 'SYS:HH:MM:ss.l' })
    : (destination as pino.DestinationStream);
  const streams = capture
    ? pino.multistream([
        { level: 'trace', stream },
        { level: 'trace', stream: capture },
      ])
    : stream;
  return pino(options, streams);
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
