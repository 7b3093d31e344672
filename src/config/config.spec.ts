import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { ConfigError, loadConfig } from './config.js';

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
    ['ACCESS_TOKEN_TTL', '1d'],
    ['ACCESS_TOKEN_TTL', '0'],
    ['REFRESH_TOKEN_TTL', '-5m'],
    ['CORS_ORIGINS', 'not an origin'],
    ['LOG_LEVEL', 'loud'],
    ['LOGIN_FREE_ATTEMPTS', '0'],
    ['OAUTH2_REQUEST_TIMEOUT', '0'],
    ['OAUTH2_REQUEST_TIMEOUT', '3m'],
    ['OAUTH2_REQUEST_TIMEOUT', '500ms'],
  ])('refuses %s=%s with a ConfigError naming the variable', (name, value) => {
    const error = failure({ [name]: value });
    expect(error.problems).toHaveLength(1);
    // A list variable names the bad entry too: `CORS_ORIGINS.0: …`.
    expect(error.problems[0]).toMatch(new RegExp(`^${name}(\\.\\d+)?: `));
    expect(error.message).toMatch(new RegExp(`^\\s+- ${name}(\\.\\d+)?: `, 'm'));
  });

  it('gives a token endpoint 15 s to answer unless OAUTH2_REQUEST_TIMEOUT says otherwise, up to 2m', () => {
    expect(load().oauth2.requestTimeoutSeconds).toBe(15);
    expect(load({ OAUTH2_REQUEST_TIMEOUT: '1' }).oauth2.requestTimeoutSeconds).toBe(1);
    expect(load({ OAUTH2_REQUEST_TIMEOUT: '2m' }).oauth2.requestTimeoutSeconds).toBe(120);
    expect(failure({ OAUTH2_REQUEST_TIMEOUT: '121' }).problems).toEqual(['OAUTH2_REQUEST_TIMEOUT: must be at most 2m']);
  });

  it('gives HTTP clients 10 s for the headers and 30 s for the whole request, and keeps idle connections 10 s', () => {
    expect(load().http).toEqual({ headersTimeoutSeconds: 10, requestTimeoutSeconds: 30, keepAliveTimeoutSeconds: 10 });
    expect(load({ HTTP_HEADERS_TIMEOUT: '2', HTTP_REQUEST_TIMEOUT: '1m', HTTP_KEEP_ALIVE_TIMEOUT: '75s' }).http).toEqual({
      headersTimeoutSeconds: 2,
      requestTimeoutSeconds: 60,
      keepAliveTimeoutSeconds: 75,
    });
    expect(failure({ HTTP_HEADERS_TIMEOUT: '40s' }).problems).toEqual(['HTTP_HEADERS_TIMEOUT: must not be longer than HTTP_REQUEST_TIMEOUT (the headers are part of the request)']);
    expect(failure({ HTTP_REQUEST_TIMEOUT: '11m' }).problems).toEqual(['HTTP_REQUEST_TIMEOUT: must be at most 10m']);
  });

  it('names every bad variable at once', () => {
    const error = failure({ PORT: 'x', JWT_SECRET: 'short', DATABASE_URL: 'http://db' });
    expect(error.problems.map((problem) => problem.split(':')[0]).sort()).toEqual(['DATABASE_URL', 'JWT_SECRET', 'PORT']);
  });
});
