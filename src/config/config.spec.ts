import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseEnv } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { ConfigError, loadConfig } from './config.js';
import { SECRET_VARIABLES } from './placeholders.js';

const GOOD_SECRET = 'a-jwt-secret-that-is-long-enough-0123456789';

describe('loadConfig', () => {
  let dataDir: string;
  const load = (env: Record<string, string> = {}) => loadConfig({ DATA_DIR: dataDir, ...env });
  /** The ConfigError that `env` raises. */
  const failure = (env: Record<string, string>): ConfigError => {
    try {
      load(env);
    } catch (error) {
      if (error instanceof ConfigError) return error;
      throw error;
    }
    throw new Error(`no ConfigError for ${JSON.stringify(env)}`);
  };

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'mtx-relay-config-'));
  });
  afterEach(() => {
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('fills in the documented defaults', () => {
    const config = load();
    expect(config).toMatchObject({
      port: 3000,
      host: '0.0.0.0',
      databaseUrl: undefined,
      dataDir,
      adminPassword: undefined,
      jwtIssuer: 'mtx-relay',
      jwtAudience: 'mtx-relay',
      accessTokenTtlSeconds: 15 * 60,
      refreshTokenTtlSeconds: 30 * 24 * 3600,
      corsOrigins: [],
      logLevel: 'info',
      loginFreeAttempts: 5,
      loginMaxBackoffSeconds: 300,
      shutdownGraceSeconds: 10,
    });
  });

  it('generates a JWT secret under DATA_DIR once and keeps it', () => {
    const first = load().jwtSecret;
    expect(first.length).toBeGreaterThanOrEqual(32);
    expect(readFileSync(join(dataDir, 'jwt-secret'), 'utf8').trim()).toBe(first);
    expect(load().jwtSecret).toBe(first);
    expect(load({ JWT_SECRET: GOOD_SECRET }).jwtSecret).toBe(GOOD_SECRET);
  });

  it('reads the values it is given', () => {
    const config = load({
      PORT: '8080',
      HOST: '127.0.0.1',
      DATABASE_URL: 'postgres://relay:pw@db:5432/relay',
      ADMIN_PASSWORD: 'a-long-admin-password',
      CORS_ORIGINS: ' https://ui.example.com , http://localhost:5173,',
      LOG_LEVEL: 'debug',
      LOGIN_FREE_ATTEMPTS: '3',
    });
    expect(config).toMatchObject({
      port: 8080,
      host: '127.0.0.1',
      databaseUrl: 'postgres://relay:pw@db:5432/relay',
      adminPassword: 'a-long-admin-password',
      corsOrigins: ['https://ui.example.com', 'http://localhost:5173'],
      logLevel: 'debug',
      loginFreeAttempts: 3,
    });
    expect(load({ DATABASE_URL: 'postgresql://localhost/relay' }).databaseUrl).toBe('postgresql://localhost/relay');
    expect(load({ DATABASE_URL: 'postgresql:///relay?host=/var/run/postgresql' }).databaseUrl).toBe('postgresql:///relay?host=/var/run/postgresql');
  });

  it('treats empty values as unset', () => {
    expect(load({ PORT: '', ACCESS_TOKEN_TTL: '', DATABASE_URL: '', JWT_SECRET: '' })).toMatchObject({
      port: 3000,
      accessTokenTtlSeconds: 900,
      databaseUrl: undefined,
    });
  });

  it.each([
    ['15m', 900],
    ['45', 45],
    ['30s', 30],
    ['2h', 7200],
    ['1m', 60],
    ['7d', 7 * 86_400],
  ])('reads the duration %s as %i seconds', (value, seconds) => {
    const config = load({ ACCESS_TOKEN_TTL: value, REFRESH_TOKEN_TTL: value, LOGIN_MAX_BACKOFF: value, SHUTDOWN_GRACE: value });
    expect(config).toMatchObject({
      accessTokenTtlSeconds: seconds,
      refreshTokenTtlSeconds: seconds,
      loginMaxBackoffSeconds: seconds,
      shutdownGraceSeconds: seconds,
    });
  });

  it.each([
    ['PORT', 'notaport'],
    ['PORT', '70000'],
    ['PORT', '-1'],
    ['PORT', '80.5'],
    ['DATABASE_URL', 'mysql://db/relay'],
    ['DATABASE_URL', 'db:5432'],
    ['JWT_SECRET', 'too-short'],
    ['ADMIN_PASSWORD', 'short'],
    ['ACCESS_TOKEN_TTL', '15 minutes'],
    ['ACCESS_TOKEN_TTL', '1w'],
    ['MEDIAMTX_RTSP_URL', 'localhost:8554'],
    ['MEDIAMTX_RTSP_URL', 'http://localhost:8554'],
    ['MEDIAMTX_HLS_URL', 'rtsp://oops'],
    ['MEDIAMTX_WEBRTC_URL', 'localhost:8889'],
    ['MEDIAMTX_API_URL', 'ftp://127.0.0.1:9997'],
    ['RATE_LIMIT_RPS', 'fast'],
    ['LOG_BUFFER_LINES', '12.5'],
    ['ACCESS_TOKEN_TTL', '0'],
    ['REFRESH_TOKEN_TTL', '-5m'],
    ['CORS_ORIGINS', 'not an origin'],
    ['LOG_LEVEL', 'loud'],
    ['LOGIN_FREE_ATTEMPTS', '0'],
    ['OAUTH2_REQUEST_TIMEOUT', '0'],
    ['OAUTH2_REQUEST_TIMEOUT', '3m'],
    ['OAUTH2_REQUEST_TIMEOUT', '500ms'],
    ['DATABASE_CONNECT_TIMEOUT', '0'],
    ['DATABASE_CONNECT_TIMEOUT', '2m'],
  ])('refuses %s=%s with a ConfigError naming the variable', (name, value) => {
    const error = failure({ [name]: value });
    const shown = name in SECRET_VARIABLES ? '' : `, got ${JSON.stringify(value)}`;
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0].startsWith(`${name} must `)).toBe(true);
    expect(error.problems[0].endsWith(shown)).toBe(true);
    expect(error.message).toBe(`invalid configuration: ${error.problems[0]}`);
  });

  it.each([
    ['PORT', 'abc', 'PORT must be a whole number between 0 and 65535, got "abc"'],
    ['MEDIAMTX_RTSP_URL', 'localhost:8554', 'MEDIAMTX_RTSP_URL must be a URL that starts with rtsp:// or rtsps:// (such as rtsp://192.168.1.10:8554), got "localhost:8554"'],
    ['MEDIAMTX_HLS_URL', 'rtsp://oops', 'MEDIAMTX_HLS_URL must be a URL that starts with http:// or https:// (such as http://192.168.1.10:8888), got "rtsp://oops"'],
    ['LOG_LEVEL', 'loud', 'LOG_LEVEL must be one of trace, debug, info, warn, error, fatal, silent, got "loud"'],
  ])('says in plain words what %s=%s should be', (name, value, problem) => {
    expect(failure({ [name]: value }).problems).toEqual([problem]);
  });

  it('never repeats the value of a secret in a message', () => {
    const problems = failure({ JWT_SECRET: 'short-secret', ADMIN_PASSWORD: 'short', SECRETS_KEY: 'not-a-key', DATABASE_URL: 'mysql://relay:hunter2@db/relay' }).problems;
    expect(problems.map((problem) => problem.split(' ')[0]).sort()).toEqual(['ADMIN_PASSWORD', 'DATABASE_URL', 'JWT_SECRET', 'SECRETS_KEY']);
    expect(problems.join('\n')).not.toMatch(/short|not-a-key|hunter2|got/);
  });

  it('accepts the secure schemes and a day unit', () => {
    const config = load({ MEDIAMTX_RTSP_URL: 'rtsps://cams.example.com:8322', MEDIAMTX_HLS_URL: 'https://cams.example.com', EVENTS_RETENTION: '7d' });
    expect(config.mediamtxPublicUrls).toMatchObject({ rtsp: 'rtsps://cams.example.com:8322', hls: 'https://cams.example.com' });
    expect(config.events.retentionSeconds).toBe(7 * 86_400);
  });

  it('gives a database connection 5 s to open unless DATABASE_CONNECT_TIMEOUT says otherwise, up to 1m', () => {
    expect(load().databaseConnectTimeoutSeconds).toBe(5);
    expect(load({ DATABASE_CONNECT_TIMEOUT: '2s' }).databaseConnectTimeoutSeconds).toBe(2);
    expect(failure({ DATABASE_CONNECT_TIMEOUT: '61' }).problems).toEqual(['DATABASE_CONNECT_TIMEOUT must be at most 1m, got "61"']);
  });

  it('keeps audit records 365 days unless AUDIT_RETENTION says otherwise', () => {
    expect(load().auditRetentionSeconds).toBe(365 * 86_400);
    expect(load({ AUDIT_RETENTION: '30d' }).auditRetentionSeconds).toBe(30 * 86_400);
    expect(failure({ AUDIT_RETENTION: 'a year' }).problems).toEqual([
      'AUDIT_RETENTION must be a whole number of seconds, or a number followed by s, m, h or d (90, 30s, 15m, 12h, 7d), got "a year"',
    ]);
    expect(failure({ AUDIT_RETENTION: '0' }).problems).toEqual(['AUDIT_RETENTION must be greater than zero, got "0"']);
  });

  it('gives a token endpoint 15 s to answer unless OAUTH2_REQUEST_TIMEOUT says otherwise, up to 2m', () => {
    expect(load().oauth2.requestTimeoutSeconds).toBe(15);
    expect(load({ OAUTH2_REQUEST_TIMEOUT: '1' }).oauth2.requestTimeoutSeconds).toBe(1);
    expect(load({ OAUTH2_REQUEST_TIMEOUT: '2m' }).oauth2.requestTimeoutSeconds).toBe(120);
    expect(failure({ OAUTH2_REQUEST_TIMEOUT: '121' }).problems).toEqual(['OAUTH2_REQUEST_TIMEOUT must be at most 2m, got "121"']);
  });

  it('gives HTTP clients 10 s for the headers and 30 s for the whole request, and keeps idle connections 10 s', () => {
    expect(load().http).toEqual({ headersTimeoutSeconds: 10, requestTimeoutSeconds: 30, keepAliveTimeoutSeconds: 10 });
    expect(load({ HTTP_HEADERS_TIMEOUT: '2', HTTP_REQUEST_TIMEOUT: '1m', HTTP_KEEP_ALIVE_TIMEOUT: '75s' }).http).toEqual({
      headersTimeoutSeconds: 2,
      requestTimeoutSeconds: 60,
      keepAliveTimeoutSeconds: 75,
    });
    expect(failure({ HTTP_HEADERS_TIMEOUT: '40s' }).problems).toEqual(['HTTP_HEADERS_TIMEOUT: must not be longer than HTTP_REQUEST_TIMEOUT (the headers are part of the request)']);
    expect(failure({ HTTP_REQUEST_TIMEOUT: '11m' }).problems).toEqual(['HTTP_REQUEST_TIMEOUT must be at most 10m, got "11m"']);
  });

  it('trusts no proxy unless TRUST_PROXY names them, and names a bad entry', () => {
    expect(load().trustProxy).toEqual({ kind: 'none' });
    expect(load({ TRUST_PROXY: '2' }).trustProxy).toEqual({ kind: 'hops', hops: 2 });
    expect(load({ TRUST_PROXY: '127.0.0.1, 10.0.0.0/8' }).trustProxy.kind).toBe('list');
    expect(failure({ TRUST_PROXY: '10.0.0.0/8,proxy' }).problems).toEqual([expect.stringMatching(/^TRUST_PROXY must be empty .*"proxy" is none of these, got "10.0.0.0\/8,proxy"$/)]);
  });

  it('names every bad variable at once', () => {
    const error = failure({ PORT: 'x', JWT_SECRET: 'short', DATABASE_URL: 'http://db' });
    expect(error.problems.map((problem) => problem.split(' ')[0]).sort()).toEqual(['DATABASE_URL', 'JWT_SECRET', 'PORT']);
    expect(error.message.split('\n')).toEqual(['invalid configuration:', ...error.problems.map((problem) => `  - ${problem}`)]);
  });

  describe('placeholders from .env.example', () => {
    const example = parseEnv(readFileSync(new URL('../../.env.example', import.meta.url), 'utf8'));
    // Every non-empty value .env.example gives a password, secret or key.
    const placeholders = Object.entries(example).filter((entry): entry is [string, string] => /PASSWORD|SECRET|KEY/.test(entry[0]) && Boolean(entry[1]));
    const asValueOf = (name: string, placeholder: string) =>
      name === 'DATABASE_URL' ? `postgresql://mtx_relay:${placeholder}@postgres:5432/mtx_relay` : placeholder;

    it('are there to check', () => {
      expect(placeholders.map(([name]) => name)).toEqual(expect.arrayContaining(['ADMIN_PASSWORD', 'MEDIAMTX_HOOK_SECRET', 'POSTGRES_PASSWORD']));
    });

    it.each(placeholders)('refuses %s=%s as it comes, naming the variable', (name, placeholder) => {
      expect(failure({ [name]: placeholder }).problems).toEqual([expect.stringMatching(new RegExp(`^${name} is the placeholder from \\.env\\.example: `))]);
    });

    it.each(placeholders)('refuses the placeholder of %s in every secret variable', (_, placeholder) => {
      for (const name of Object.keys(SECRET_VARIABLES)) {
        const problems = failure({ [name]: asValueOf(name, placeholder) }).problems;
        expect(problems).toHaveLength(1);
        expect(problems[0]).toMatch(new RegExp(`^${name} (is|has) the placeholder`));
      }
    });

    it('refuses a placeholder among SECRETS_OLD_KEYS', () => {
      const key = Buffer.alloc(32, 7).toString('base64');
      expect(failure({ SECRETS_OLD_KEYS: `${key},change-me` }).problems).toEqual([expect.stringMatching(/^SECRETS_OLD_KEYS is the placeholder/)]);
    });

    it('takes real secrets', () => {
      const config = load({ JWT_SECRET: GOOD_SECRET, ADMIN_PASSWORD: 'changed-my-mind-about-it', DATABASE_URL: 'postgresql://relay:s3cret-pw@db/relay' });
      expect(config.adminPassword).toBe('changed-my-mind-about-it');
    });
  });
});
