import 'reflect-metadata';
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { AppConfig } from '../config/config.js';
import type { TokenRequestInputs } from '../credentials/oauth2-token.store.js';
import { redact, TokenEndpointClient, TokenRefreshError } from './token-endpoint.client.js';

const CLIENT_SECRET = 'client s3cret&+=/ü';
const REFRESH_TOKEN = 'refresh token/with+odd=chars';

describe('redact', () => {
  it('takes a secret out as sent, form-encoded, percent-encoded and JSON-escaped', () => {
    const secret = 'a b+c/"d"';
    const echoed = `raw ${secret} form a+b%2Bc%2F%22d%22 percent a%20b%2Bc%2F%22d%22 json a b+c/\\"d\\"`;
    expect(redact(echoed, [secret])).toBe('raw [redacted] form [redacted] percent [redacted] json [redacted]');
  });

  it('leaves short values alone rather than blanking every occurrence of a letter', () => {
    expect(redact('abc', ['a'])).toBe('abc');
  });
});

describe('TokenEndpointClient', () => {
  let server: Server;
  let answer: { status: number; type: string; body: string } = { status: 200, type: 'application/json', body: '{}' };
  let url = '';
  const client = new TokenEndpointClient({ oauth2: { requestTimeoutSeconds: 15 } } as AppConfig);
  const inputs = (): TokenRequestInputs => ({ tokenUrl: url, clientId: 'relay', clientSecret: CLIENT_SECRET, refreshToken: REFRESH_TOKEN, scope: null, authMethod: 'client_secret_basic' });
  const failure = async (): Promise<string> => {
    try {
      await client.refresh(inputs());
    } catch (error) {
      if (error instanceof TokenRefreshError) return error.message;
      throw error;
    }
    throw new Error('no TokenRefreshError');
  };

  beforeAll(async () => {
    server = createServer((_req, res) => res.writeHead(answer.status, { 'content-type': answer.type }).end(answer.body));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}/token`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('reads expires_in as a number or a numeric string, and assumes an hour without a usable one', async () => {
    for (const [expiresIn, lifetime] of [[120, 120], ['90', 90], [undefined, 3600], [-5, 3600], ['soon', 3600], [1e12, 366 * 24 * 3600]] as const) {
      answer = { status: 200, type: 'application/json', body: JSON.stringify({ access_token: 'at', token_type: 'Bearer', expires_in: expiresIn }) };
      expect(await client.refresh(inputs())).toEqual({ accessToken: 'at', lifetimeSeconds: lifetime, refreshToken: undefined });
    }
  });

  it('never lets an echoed secret through, not even cut short', async () => {
    const padding = 'x'.repeat(280);
    answer = { status: 400, type: 'application/json', body: JSON.stringify({ error: 'invalid_client', error_description: `${padding} ${CLIENT_SECRET} ${REFRESH_TOKEN}` }) };
    const message = await failure();
    expect(message.startsWith(`invalid_client: ${padding} [redacted]`)).toBe(true);
    expect(message).not.toContain('s3cret');
    expect(message).not.toContain('refresh token');
  });

  it('refuses an answer that is too large', async () => {
    answer = { status: 200, type: 'application/json', body: `{"access_token":"${'a'.repeat(300 * 1024)}"}` };
    expect(await failure()).toBe('token endpoint answer is larger than 256 KiB');
  });

  it('names an error answer that came with a success status', async () => {
    answer = { status: 200, type: 'application/json', body: '{"error":"bad_verification_code","error_description":"The code passed is incorrect or expired."}' };
    expect(await failure()).toBe('bad_verification_code: The code passed is incorrect or expired.');
  });
});
