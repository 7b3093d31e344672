import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { parseTrustProxy, type TrustProxy } from '../common/client-address.js';
import { commaList, durationSeconds, ipAddressOrCidr, positiveNumber, secretKey, urlWith, wholeNumber } from './env-values.js';
import { placeholderProblems, SECRET_VARIABLES } from './placeholders.js';

const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;

const envSchema = z.object({
  PORT: wholeNumber(0, 65535).default(3000),
  HOST: z.string().min(1).default('0.0.0.0'),
  // No host is a Unix socket: postgresql:///relay?host=/var/run/postgresql.
  DATABASE_URL: urlWith(['postgres', 'postgresql'], 'postgresql://user:password@host:5432/database', true).optional(),
  DATABASE_QUERY_TIMEOUT: durationSeconds.refine((seconds) => seconds <= 600, 'must be at most 10m').default(30),
  DATABASE_CONNECT_TIMEOUT: durationSeconds.refine((seconds) => seconds <= 60, 'must be at most 1m').default(5),
  DATA_DIR: z.string().min(1).default('./data'),
  ADMIN_PASSWORD: z.string().min(8, 'must be at least 8 characters').optional(),
  JWT_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  ACCESS_TOKEN_TTL: durationSeconds.default(900),
  REFRESH_TOKEN_TTL: durationSeconds.default(30 * 24 * 3600),
  CORS_ORIGINS: commaList(z.union([z.literal('*'), urlWith(['http', 'https'], 'https://ui.example.com')], { error: 'must be * or a comma-separated list of origins such as https://ui.example.com,http://localhost:5173' })),
  LOG_LEVEL: z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(', ')}` }).default('info'),
  LOGIN_FREE_ATTEMPTS: wholeNumber(1).default(5),
  LOGIN_MAX_BACKOFF: durationSeconds.default(300),
  SHUTDOWN_GRACE: durationSeconds.default(10),
  SECRETS_KEY: secretKey.optional(),
  SECRETS_OLD_KEYS: commaList(secretKey),
  MEDIAMTX_RTSP_URL: urlWith(['rtsp', 'rtsps'], 'rtsp://192.168.1.10:8554').default('rtsp://localhost:8554'),
  MEDIAMTX_HLS_URL: urlWith(['http', 'https'], 'http://192.168.1.10:8888').default('http://localhost:8888'),
  MEDIAMTX_WEBRTC_URL: urlWith(['http', 'https'], 'http://192.168.1.10:8889').default('http://localhost:8889'),
  LOG_BUFFER_LINES: wholeNumber(500, 100_000).default(1000),
  SESSION_EXPIRY_WARNING: durationSeconds.default(60),
  RATE_LIMIT_RPS: positiveNumber.default(50),
  RATE_LIMIT_BURST: wholeNumber(1).default(100),
  RATE_LIMIT_USER_RPS: positiveNumber.default(100),
  RATE_LIMIT_USER_BURST: wholeNumber(1).default(200),
  RATE_LIMIT_STRIKES: wholeNumber(1).default(50),
  LOGIN_RATE_PER_MINUTE: positiveNumber.default(20),
  SOCKET_MAX_BUFFER_BYTES: wholeNumber(10_000).default(4 * 1024 * 1024),
  SHUTDOWN_RECONNECT_AFTER_MS: wholeNumber(0).default(5000),
  MEDIAMTX_API_URL: urlWith(['http', 'https'], 'http://127.0.0.1:9997').default('http://127.0.0.1:9997'),
  MEDIAMTX_HOOK_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
  MEDIAMTX_SERVICE_USER: z.string().min(1).max(64, 'must be at most 64 characters').regex(/^[^:\s]+$/, 'must not contain spaces or colons').default('mtx-relay'),
  MEDIAMTX_SERVICE_PASSWORD: z.string().min(16, 'must be at least 16 characters').optional(),
  MEDIAMTX_RECONCILE_SECONDS: durationSeconds.default(30),
  MEDIAMTX_STATUS_CACHE_MS: wholeNumber(0, 60_000).default(1000),
  // Under MediaMTX's own 10 s wait for the callback, which holds its whole path manager.
  MEDIAMTX_AUTH_BUDGET_MS: wholeNumber(50, 9000).default(1000),
  MEDIAMTX_AUTH_CACHE_SECONDS: durationSeconds.refine((seconds) => seconds <= 3600, 'must be at most 1h').default(60),
  MEDIAMTX_AUTH_ALLOW_FROM: commaList(ipAddressOrCidr),
  EVENTS_RETENTION: durationSeconds.default(24 * 3600),
  EVENTS_MAX_ROWS: wholeNumber(100).default(100_000),
  EVENTS_PRUNE_INTERVAL: durationSeconds.default(60),
  AUDIT_RETENTION: durationSeconds.default(365 * 86_400),
  BACKGROUND_LOCK_RETRY: durationSeconds.default(5),
  OAUTH2_RETRY_INITIAL: durationSeconds.default(5),
  OAUTH2_RETRY_MAX: durationSeconds.default(600),
  OAUTH2_REQUEST_TIMEOUT: durationSeconds.refine((seconds) => seconds <= 120, 'must be at most 2m').default(15),
  HTTP_HEADERS_TIMEOUT: durationSeconds.refine((seconds) => seconds <= 600, 'must be at most 10m').default(10),
  HTTP_REQUEST_TIMEOUT: durationSeconds.refine((seconds) => seconds <= 600, 'must be at most 10m').default(30),
  HTTP_KEEP_ALIVE_TIMEOUT: durationSeconds.refine((seconds) => seconds <= 600, 'must be at most 10m').default(10),
  INSTANCE_NAME: z.string().max(64, 'must be at most 64 characters').regex(/^[\w.:-]+$/, 'must be letters, digits and . _ : - only').optional(),
  TRUST_PROXY: z
    .string()
    .optional()
    .transform((value, context) => {
      const trust = parseTrustProxy(value);
      if ('problem' in trust) context.addIssue({ code: 'custom', message: trust.problem });
      return 'problem' in trust ? z.NEVER : trust;
    }),
  METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').regex(/^\S+$/, 'must not contain spaces').optional(),
  // Testing aids: they widen a race window so a test can put something in it. Never set in use.
});

export type LogLevelName = (typeof LOG_LEVELS)[number];

export interface AppConfig {
  port: number;
  host: string;
  databaseUrl: string | undefined;
  /** How long a query may go unanswered before the relay gives up on it. */
  databaseQueryTimeoutSeconds: number;
  /** How long opening a database connection may take, and how long a stalled database may go unnoticed. */
  databaseConnectTimeoutSeconds: number;
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
  /** How long audit records are kept. */
  auditRetentionSeconds: number;
  /** Testing aids, zero in use. */
  /** How often an instance without the background-work lock tries to take it. */
  backgroundLockRetrySeconds: number;
  oauth2: {
    retryInitialSeconds: number;
    retryMaxSeconds: number;
    /** How long a token endpoint has to answer; a refresh's lease lasts twice that. */
    requestTimeoutSeconds: number;
  };
  /** How long a client may take to send a request's headers, and the whole request; how long an idle keep-alive connection stays open. */
  http: { headersTimeoutSeconds: number; requestTimeoutSeconds: number; keepAliveTimeoutSeconds: number };
  /** How this instance is named to admins (log lines, `init`) when several share a database. */
  instanceName: string;
  /** Which peers may name the client in X-Forwarded-For or Forwarded. */
  trustProxy: TrustProxy;
  /** Bearer token Prometheus sends to GET /metrics; unset, only admin access tokens read it. */
  metricsToken: string | undefined;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.length === 1 ? `invalid configuration: ${problems[0]}` : `invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
  }
}

/** Every variable the relay reads, and those of docker-compose.yml it knows to ignore (for the misspelling warnings). */
export const KNOWN_VARIABLES: readonly string[] = [...Object.keys(envSchema.shape), 'POSTGRES_PASSWORD', 'MEDIAMTX_WEBRTC_ADDITIONAL_HOSTS'];

/** "PORT must be …, got "abc"": the variable first, the value last unless it is a secret. */
function problemsOf(issues: z.core.$ZodIssue[], present: Record<string, string>): string[] {
  return issues.map((issue) => {
    const name = String(issue.path[0]);
    const given = name in SECRET_VARIABLES || present[name] === undefined ? '' : `, got ${JSON.stringify(present[name])}`;
    return `${name} ${issue.message}${given}`;
  });
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
  const present = Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined && entry[1] !== ''));
  const placeholders = placeholderProblems(present);
  const parsed = envSchema.safeParse(present);
  const problems = parsed.success ? [] : problemsOf(parsed.error.issues, present).filter((problem) => !placeholders.has(problem.split(' ')[0]));
  if (placeholders.size > 0 || !parsed.success) throw new ConfigError([...placeholders.values(), ...problems]);
  const values = parsed.data;
  if (values.HTTP_HEADERS_TIMEOUT > values.HTTP_REQUEST_TIMEOUT) {
    throw new ConfigError(['HTTP_HEADERS_TIMEOUT: must not be longer than HTTP_REQUEST_TIMEOUT (the headers are part of the request)']);
  }
  const dataDir = resolve(values.DATA_DIR);
  mkdirSync(dataDir, { recursive: true });
  return {
    port: values.PORT,
    host: values.HOST,
    databaseUrl: values.DATABASE_URL,
    databaseQueryTimeoutSeconds: values.DATABASE_QUERY_TIMEOUT,
    databaseConnectTimeoutSeconds: values.DATABASE_CONNECT_TIMEOUT,
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
    auditRetentionSeconds: values.AUDIT_RETENTION,
    backgroundLockRetrySeconds: values.BACKGROUND_LOCK_RETRY,
    oauth2: { retryInitialSeconds: values.OAUTH2_RETRY_INITIAL, retryMaxSeconds: values.OAUTH2_RETRY_MAX, requestTimeoutSeconds: values.OAUTH2_REQUEST_TIMEOUT },
    http: { headersTimeoutSeconds: values.HTTP_HEADERS_TIMEOUT, requestTimeoutSeconds: values.HTTP_REQUEST_TIMEOUT, keepAliveTimeoutSeconds: values.HTTP_KEEP_ALIVE_TIMEOUT },
    instanceName: values.INSTANCE_NAME ?? `${hostname()}-${process.pid}`,
    trustProxy: values.TRUST_PROXY,
    metricsToken: values.METRICS_TOKEN,
  };
}

export const APP_CONFIG = Symbol('APP_CONFIG');
