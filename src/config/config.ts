import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';

const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;

const durationSeconds = z
  .string()
  .regex(/^\d+(s|m|h)?$/, 'must be a whole number of seconds, or a number followed by s, m or h')
  .transform((value) => {
    const amount = Number.parseInt(value, 10);
    const unit = value.at(-1);
    const factor = unit === 'h' ? 3600 : unit === 'm' ? 60 : 1;
    return amount * factor;
  })
  .refine((seconds) => seconds > 0, 'must be greater than zero');

/** A 256-bit key, as 64 hex digits or 44 characters of base64. */
const secretKey = z
  .string()
  .transform((value) => (/^[0-9a-fA-F]{64}$/.test(value) ? Buffer.from(value, 'hex') : Buffer.from(value, 'base64')))
  .refine((key) => key.length === 32, 'must be 32 bytes: 64 hex digits or 44 characters of base64 (openssl rand -base64 32)');

const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default('0.0.0.0'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
    .optional(),
  DATA_DIR: z.string().min(1).default('./data'),
  ADMIN_PASSWORD: z.string().min(8, 'must be at least 8 characters').optional(),
  JWT_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  ACCESS_TOKEN_TTL: durationSeconds.default(900),
  REFRESH_TOKEN_TTL: durationSeconds.default(30 * 24 * 3600),
  CORS_ORIGINS: z
    .string()
    .default('')
    .transform((value) =>
      value
        .split(',')
        .map((origin) => origin.trim())
        .filter((origin) => origin.length > 0),
    )
    .pipe(z.array(z.union([z.literal('*'), z.url({ message: 'must be a comma-separated list of origins such as https://ui.example.com' })]))),
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
  LOGIN_FREE_ATTEMPTS: z.coerce.number().int().min(1).default(5),
  LOGIN_MAX_BACKOFF: durationSeconds.default(300),
  SHUTDOWN_GRACE: durationSeconds.default(10),
  SECRETS_KEY: secretKey.optional(),
  SECRETS_OLD_KEYS: z
    .string()
    .default('')
    .transform((value) => value.split(',').map((key) => key.trim()).filter((key) => key.length > 0))
    .pipe(z.array(secretKey)),
  MEDIAMTX_RTSP_URL: z.url().default('rtsp://localhost:8554'),
  MEDIAMTX_HLS_URL: z.url().default('http://localhost:8888'),
  MEDIAMTX_WEBRTC_URL: z.url().default('http://localhost:8889'),
  LOG_BUFFER_LINES: z.coerce.number().int().min(500).max(100_000).default(1000),
});

export type LogLevelName = (typeof LOG_LEVELS)[number];

export interface AppConfig {
  port: number;
  host: string;
  databaseUrl: string | undefined;
  dataDir: string;
  adminPassword: string | undefined;
  jwtSecret: string;
  jwtIssuer: string;
  jwtAudience: string;
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
  corsOrigins: string[];
  logLevel: LogLevelName;
  loginFreeAttempts: number;
  loginMaxBackoffSeconds: number;
  shutdownGraceSeconds: number;
  /** Key that encrypts secrets now, then keys that only decrypt (older ones). */
  secretKeys: { current: Buffer; previous: Buffer[] };
  mediamtxPublicUrls: { rtsp: string; hls: string; webrtc: string };
  logBufferLines: number;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
  }
}

/** Reads the secret from `file`, creating it with fresh random bytes on first use. */
function persistentSecret(file: string, encoding: 'base64url' | 'base64' = 'base64url', bytes = 48): string {
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const secret = randomBytes(bytes).toString(encoding);
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}

/**
 * SECRETS_KEY when set, else a key generated once under DATA_DIR. A key file left behind by
 * an earlier start stays readable after SECRETS_KEY is introduced, as do SECRETS_OLD_KEYS.
 */
function secretKeys(dataDir: string, configured: Buffer | undefined, old: Buffer[]): AppConfig['secretKeys'] {
  const file = join(dataDir, 'secrets.key');
  if (configured) {
    const fromFile = existsSync(file) ? [Buffer.from(readFileSync(file, 'utf8').trim(), 'base64')] : [];
    return { current: configured, previous: [...old, ...fromFile].filter((key) => !key.equals(configured)) };
  }
  return { current: Buffer.from(persistentSecret(file, 'base64', 32), 'base64'), previous: old };
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  // Empty strings mean "unset", as they do in most .env files and compose files.
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`));
  }
  const values = parsed.data;
  const dataDir = resolve(values.DATA_DIR);
  mkdirSync(dataDir, { recursive: true });
  return {
    port: values.PORT,
    host: values.HOST,
    databaseUrl: values.DATABASE_URL,
    dataDir,
    adminPassword: values.ADMIN_PASSWORD,
    jwtSecret: values.JWT_SECRET ?? persistentSecret(join(dataDir, 'jwt-secret')),
    jwtIssuer: 'mtx-relay',
    jwtAudience: 'mtx-relay',
    accessTokenTtlSeconds: values.ACCESS_TOKEN_TTL,
    refreshTokenTtlSeconds: values.REFRESH_TOKEN_TTL,
    corsOrigins: values.CORS_ORIGINS,
    logLevel: values.LOG_LEVEL,
    loginFreeAttempts: values.LOGIN_FREE_ATTEMPTS,
    loginMaxBackoffSeconds: values.LOGIN_MAX_BACKOFF,
    shutdownGraceSeconds: values.SHUTDOWN_GRACE,
    secretKeys: secretKeys(dataDir, values.SECRETS_KEY, values.SECRETS_OLD_KEYS),
    mediamtxPublicUrls: { rtsp: values.MEDIAMTX_RTSP_URL, hls: values.MEDIAMTX_HLS_URL, webrtc: values.MEDIAMTX_WEBRTC_URL },
    logBufferLines: values.LOG_BUFFER_LINES,
  };
}

export const APP_CONFIG = Symbol('APP_CONFIG');
