import { Inject, Injectable } from '@nestjs/common';
import { z } from 'zod';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import type { TokenRequestInputs } from '../credentials/oauth2-token.store.js';

/** Lifetime assumed when the answer has no usable `expires_in` (RFC 6749 §5.1 makes it optional). */
export const DEFAULT_LIFETIME_SECONDS = 3600;
/** Longer lifetimes are taken as this: the token is refreshed early rather than scheduled beyond reason. */
const MAX_LIFETIME_SECONDS = 366 * 24 * 3600;
const MAX_ANSWER_BYTES = 256 * 1024;
const MAX_DESCRIPTION_LENGTH = 300;

/** A token refresh that failed; the message is short and holds no secret, fit for logs and events. */
export class TokenRefreshError extends Error {
  override name = 'TokenRefreshError';
}

/** The request was given up because this instance is stopping: no verdict on the credential. */
export class TokenRequestCancelled extends Error {
  override name = 'TokenRequestCancelled';
}

export interface TokenGrant {
  accessToken: string;
  lifetimeSeconds: number;
  /** Present when the endpoint rotated the refresh token. */
  refreshToken?: string;
}

const tokenAnswerSchema = z.object({
  access_token: z.string().min(1).max(16_384),
  expires_in: z.union([z.number(), z.string().regex(/^\d+$/).transform(Number)]).optional().catch(undefined),
  refresh_token: z.string().min(1).max(16_384).optional().catch(undefined),
});

const errorAnswerSchema = z.object({
  error: z.string().min(1),
  error_description: z.string().optional().catch(undefined),
});

const NETWORK_CODES: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ETIMEDOUT: 'connection timed out',
  UND_ERR_SOCKET: 'connection closed',
};

/** The `application/x-www-form-urlencoded` encoding of one value (RFC 6749 Appendix B). */
const formEncode = (value: string): string => new URLSearchParams([['v', value]]).toString().slice(2);

/** Text from outside, made safe to show: one line, bounded. */
const printable = (text: string, max: number): string => {
  const line = text.replace(/[\p{Cc}\p{Cf}]+/gu, ' ').trim();
  return line.length > max ? `${line.slice(0, max)}…` : line;
};

/**
 * Asks an OAuth2 token endpoint for a new access token with the refresh-token grant (RFC 6749
 * §6), authenticating the client with HTTP Basic or in the body (§2.3.1). Whatever the endpoint
 * answers becomes a grant or a `TokenRefreshError` whose message never holds a secret, even one
 * the endpoint echoes back.
 */
@Injectable()
export class TokenEndpointClient {
  private readonly timeoutSeconds: number;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.timeoutSeconds = config.oauth2.requestTimeoutSeconds;
  }

  async refresh(inputs: TokenRequestInputs, cancel?: AbortSignal): Promise<TokenGrant> {
    const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: inputs.refreshToken });
    if (inputs.scope) form.set('scope', inputs.scope);
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' };
    const basic = Buffer.from(`${formEncode(inputs.clientId)}:${formEncode(inputs.clientSecret)}`).toString('base64');
    if (inputs.authMethod === 'client_secret_basic') {
      headers.authorization = `Basic ${basic}`;
    } else {
      form.set('client_id', inputs.clientId);
      form.set('client_secret', inputs.clientSecret);
    }
    const secrets = [inputs.clientSecret, inputs.refreshToken, basic];
    try {
      return await this.exchange(inputs.tokenUrl, headers, form, secrets, cancel);
    } catch (error) {
      if (cancel?.aborted) throw new TokenRequestCancelled('this instance is stopping');
      const message = error instanceof TokenRefreshError ? error.message : this.describeFailure(error);
      throw new TokenRefreshError(redact(message, secrets));
    }
  }

  private async exchange(tokenUrl: string, headers: Record<string, string>, form: URLSearchParams, secrets: string[], cancel?: AbortSignal): Promise<TokenGrant> {
    const timeout = AbortSignal.timeout(this.timeoutSeconds * 1000);
    const signal = cancel ? AbortSignal.any([timeout, cancel]) : timeout;
    // A redirect would carry the secrets to wherever it points: refused rather than followed.
    const response = await fetch(tokenUrl, { method: 'POST', headers, body: form, signal, redirect: 'manual' });
    if (response.status >= 300 && response.status < 400) {
      await response.body?.cancel().catch(() => undefined);
      throw new TokenRefreshError(`token endpoint answered HTTP ${response.status}, a redirect, which is not followed: set token_url to where it points`);
    }
    const text = await readBounded(response);
    const contentType = response.headers.get('content-type')?.split(';')[0].trim() || 'untyped';
    // Redacted before it is cut short, so no part of a secret survives the cut.
    const shown = (value: string, max: number): string => printable(redact(value, secrets), max);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new TokenRefreshError(`token endpoint answered HTTP ${response.status} with a ${shown(contentType, 60)} body, not JSON`);
    }
    const refused = errorAnswerSchema.safeParse(body);
    if (refused.success) {
      const description = refused.data.error_description ? `: ${shown(refused.data.error_description, MAX_DESCRIPTION_LENGTH)}` : '';
      throw new TokenRefreshError(`${shown(refused.data.error, 100)}${description}`);
    }
    if (!response.ok) throw new TokenRefreshError(`token endpoint answered HTTP ${response.status}`);
    const granted = tokenAnswerSchema.safeParse(body);
    if (!granted.success) {
      const accessToken = (body as { access_token?: unknown } | null)?.access_token;
      throw new TokenRefreshError(accessToken === undefined ? 'token endpoint answer has no access_token' : 'token endpoint answer has an access_token that is not a usable string');
    }
    const { access_token, expires_in, refresh_token } = granted.data;
    const lifetimeSeconds = expires_in !== undefined && Number.isFinite(expires_in) && expires_in > 0 ? Math.min(expires_in, MAX_LIFETIME_SECONDS) : DEFAULT_LIFETIME_SECONDS;
    return { accessToken: access_token, lifetimeSeconds, refreshToken: refresh_token };
  }

  private describeFailure(error: unknown): string {
    if (error instanceof Error && error.name === 'TimeoutError') return `token endpoint did not answer within ${this.timeoutSeconds} s`;
    // fetch() fails with "fetch failed"; what went wrong is in its cause.
    const cause = error instanceof Error && error.cause instanceof Error ? (error.cause as Error & { code?: unknown }) : undefined;
    const code = typeof cause?.code === 'string' ? cause.code : undefined;
    const message = cause?.message ?? (error instanceof Error ? error.message : 'unknown failure');
    if (code) return `token endpoint unreachable: ${NETWORK_CODES[code] ?? printable(message, 120)} (${code})`;
    return `token endpoint unreachable: ${printable(message, 120)}`;
  }
}

/** The body as text, refusing more than MAX_ANSWER_BYTES. */
async function readBounded(response: Response): Promise<string> {
  if (!response.body) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
    size += chunk.byteLength;
    // Leaving the loop by throwing cancels the stream.
    if (size > MAX_ANSWER_BYTES) throw new TokenRefreshError(`token endpoint answer is larger than ${MAX_ANSWER_BYTES / 1024} KiB`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Takes every secret out of a message, as sent and in the encodings an endpoint may echo. */
export function redact(message: string, secrets: readonly string[]): string {
  const forms = secrets
    .filter((secret) => secret.length >= 4)
    .flatMap((secret) => [secret, formEncode(secret), encodeURIComponent(secret), JSON.stringify(secret).slice(1, -1)])
    .sort((a, b) => b.length - a.length);
  let safe = message;
  for (const form of new Set(forms)) safe = safe.split(form).join('[redacted]');
  return safe;
}
