import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
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

/** Addresses or CIDR blocks, comma-separated: `127.0.0.1, 172.16.0.0/12, ::1`. */
const addressList = z
  .string()
  .default('')
  .transform((value) => value.split(',').map((entry) => entry.trim()).filter((entry) => entry.length > 0))
  .refine(
    (entries) =>
      entries.every((entry) => {
        const [address, prefix, ...rest] = entry.split('/');
        const family = isIP(address);
        if (family === 0 || rest.length > 0) return false;
        return prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128));
      }),
    'must be a comma-separated list of IP addresses or CIDR blocks such as 127.0.0.1,172.16.0.0/12',
  );

const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default('0.0.0.0'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
    .optional(),
  DATABASE_QUERY_TIMEOUT: durationSeconds.refine((seconds) => seconds <= 600, 'must be at most 10m').default(30),
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
  SESSION_EXPIRY_WARNING: durationSeconds.default(60),
  RATE_LIMIT_RPS: z.coerce.number().positive().default(50),
  RATE_LIMIT_BURST: z.coerce.number().int().min(1).default(100),
  RATE_LIMIT_USER_RPS: z.coerce.number().positive().default(100),
  RATE_LIMIT_USER_BURST: z.coerce.number().int().min(1).default(200),
  RATE_LIMIT_STRIKES: z.coerce.number().int().min(1).default(50),
  LOGIN_RATE_PER_MINUTE: z.coerce.number().positive().default(20),
  SOCKET_MAX_BUFFER_BYTES: z.coerce.number().int().min(10_000).default(4 * 1024 * 1024),
  SHUTDOWN_RECONNECT_AFTER_MS: z.coerce.number().int().min(0).default(5000),
  MEDIAMTX_API_URL: z.url({ protocol: /^https?$/, message: 'must be an http:// or https:// URL' }).default('http://127.0.0.1:9997'),
  MEDIAMTX_HOOK_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
  MEDIAMTX_SERVICE_USER: z.string().min(1).max(64).regex(/^[^:\s]+$/, 'must not contain spaces or colons').default('mtx-relay'),
  MEDIAMTX_SERVICE_PASSWORD: z.string().min(16, 'must be at least 16 characters').optional(),
  MEDIAMTX_RECONCILE_SECONDS: durationSeconds.default(30),
  MEDIAMTX_STATUS_CACHE_MS: z.coerce.number().int().min(0).max(60_000).default(1000),
  // Under MediaMTX's own 10 s wait for the callback, which holds its whole path manager.
  MEDIAMTX_AUTH_BUDGET_MS: z.coerce.number().int().min(50, 'must be at least 50').max(9000, 'must be at most 9000 (MediaMTX waits 10 s)').default(1000),
  MEDIAMTX_AUTH_CACHE_SECONDS: durationSeconds.refine((seconds) => seconds <= 3600, 'must be at most 1h').default(60),
  MEDIAMTX_AUTH_ALLOW_FROM: addressList,
  EVENTS_RETENTION: durationSeconds.default(24 * 3600),
  EVENTS_MAX_ROWS: z.coerce.number().int().min(100).default(100_000),
  EVENTS_PRUNE_INTERVAL: durationSeconds.default(60),
  BACKGROUND_LOCK_RETRY: durationSeconds.default(5),
  OAUTH2_RETRY_INITIAL: durationSeconds.default(5),
  OAUTH2_RETRY_MAX: durationSeconds.default(600),
  OAUTH2_REQUEST_TIMEOUT: durationSeconds.refine((seconds) => seconds <= 120, 'must be at most 2m').default(15),
  // Testing aids: they widen a race window so a test can put something in it. Never set in use.
});

export type LogLevelName = (typeof LOG_LEVELS)[number];

export interface AppConfig {
  port: number;
  host: string;
  databaseUrl: string | undefined;
  /** How long a query may go unanswered before the relay gives up on it. */
  databaseQueryTimeoutSeconds: number;
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
  sessionExpiryWarningSeconds: number;
  rateLimits: {
    /** Per socket, or per client address on REST. */
    connection: { perSecond: number; burst: number };
    user: { perSecond: number; burst: number };
    login: { perSecond: number; burst: number };
    /** Rejected requests in a row after which a socket is disconnected. */
    strikes: number;
  };
  socketMaxBufferBytes: number;
  shutdownReconnectAfterMs: number;
  mediamtx: {
    apiUrl: string;
    /** Shared with MediaMTX's hook commands (RELAY_HOOK_SECRET there). */
    hookSecret: string;
    /** The relay's own identity towards MediaMTX: Control API calls, metrics, publishing. */
    serviceUser: string;
    servicePassword: string;
    reconcileSeconds: number;
    statusCacheMs: number;
    /** How long the auth callback may think before it refuses. */
    authBudgetMs: number;
    /** How long verified reader credentials and grants are answered from memory. */
    authCacheSeconds: number;
    /** Addresses allowed to call the auth callback without the hook secret. */
    authAllowFrom: string[];
  };
  events: {
    retentionSeconds: number;
    maxRows: number;
    pruneIntervalSeconds: number;
  };
  /** Testing aids, zero in use. */
  /** How often an instance without the background-work lock tries to take it. */
  backgroundLockRetrySeconds: number;
  oauth2: {
    retryInitialSeconds: number;
    retryMaxSeconds: number;
    /** How long a token endpoint has to answer; a refresh's lease lasts twice that. */
    requestTimeoutSeconds: number;
  };
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
    databaseQueryTimeoutSeconds: values.DATABASE_QUERY_TIMEOUT,
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
    sessionExpiryWarningSeconds: values.SESSION_EXPIRY_WARNING,
    rateLimits: {
      connection: { perSecond: values.RATE_LIMIT_RPS, burst: values.RATE_LIMIT_BURST },
      user: { perSecond: values.RATE_LIMIT_USER_RPS, burst: values.RATE_LIMIT_USER_BURST },
      login: { perSecond: values.LOGIN_RATE_PER_MINUTE / 60, burst: Math.max(1, Math.round(values.LOGIN_RATE_PER_MINUTE)) },
      strikes: values.RATE_LIMIT_STRIKES,
    },
    socketMaxBufferBytes: values.SOCKET_MAX_BUFFER_BYTES,
    shutdownReconnectAfterMs: values.SHUTDOWN_RECONNECT_AFTER_MS,
    mediamtx: {
      apiUrl: values.MEDIAMTX_API_URL.replace(/\/+$/, ''),
      hookSecret: values.MEDIAMTX_HOOK_SECRET ?? persistentSecret(join(dataDir, 'mediamtx-hook-secret')),
      serviceUser: values.MEDIAMTX_SERVICE_USER,
      servicePassword: values.MEDIAMTX_SERVICE_PASSWORD ?? persistentSecret(join(dataDir, 'mediamtx-service-password')),
      reconcileSeconds: values.MEDIAMTX_RECONCILE_SECONDS,
      statusCacheMs: values.MEDIAMTX_STATUS_CACHE_MS,
      authBudgetMs: values.MEDIAMTX_AUTH_BUDGET_MS,
      authCacheSeconds: values.MEDIAMTX_AUTH_CACHE_SECONDS,
      authAllowFrom: values.MEDIAMTX_AUTH_ALLOW_FROM,
    },
    events: {
      retentionSeconds: values.EVENTS_RETENTION,
      maxRows: values.EVENTS_MAX_ROWS,
      pruneIntervalSeconds: values.EVENTS_PRUNE_INTERVAL,
    },
    backgroundLockRetrySeconds: values.BACKGROUND_LOCK_RETRY,
    oauth2: { retryInitialSeconds: values.OAUTH2_RETRY_INITIAL, retryMaxSeconds: values.OAUTH2_RETRY_MAX, requestTimeoutSeconds: values.OAUTH2_REQUEST_TIMEOUT },
  };
}

export const APP_CONFIG = Symbol('APP_CONFIG');
