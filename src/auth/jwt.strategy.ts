import type { KeyObject } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { ExtractJwt, Strategy, type JwtFromRequestFunction } from 'passport-jwt';
import { z } from 'zod';
import type { AuthContext } from '../common/auth-context.js';
import { bearerToken } from '../common/bearer.js';
import { unauthorized } from '../common/errors.js';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { ACCESS_TOKEN_KEY } from './access-token.key.js';
import { AuthStateCache } from './auth-state.cache.js';

/**
 * A request as far as its access token goes: a Socket.IO handshake has all three, a REST
 * request its headers, a token handed over outright (a renewal, MediaMTX) is `auth.token`.
 */
export interface TokenCarrier {
  headers?: { authorization?: string | string[] };
  query?: Record<string, unknown>;
  auth?: Record<string, unknown>;
}

// The latest second a Date can hold: a later `exp` could not be turned into a time.
const LATEST_DATE_SECONDS = 8_640_000_000_000;
const unixSeconds = z.number().int().min(1).max(LATEST_DATE_SECONDS);

/** What an access token must carry, as `issue()` writes it; anything else is refused before it is used. */
const accessClaimsSchema = z.object({
  // A users.id: a positive 32-bit integer, written as digits.
  sub: z
    .string()
    .regex(/^[1-9]\d{0,9}$/)
    .transform(Number)
    .pipe(z.number().max(2_147_483_647)),
  sid: z.uuid(),
  tv: z.number().int().min(0),
  iat: unixSeconds,
  exp: unixSeconds,
});

const first = (value: unknown): string | null => {
  const candidate = Array.isArray(value) ? (value[0] as unknown) : value;
  return typeof candidate === 'string' && candidate !== '' ? candidate : null;
};

/** The access token a request presents: `auth.token`, an `Authorization: Bearer` header, or `?token=`. */
export const accessTokenFrom: JwtFromRequestFunction<TokenCarrier> = ExtractJwt.fromExtractors<TokenCarrier>([
  (request) => first(request.auth?.token),
  (request) => bearerToken(first(request.headers?.authorization) ?? undefined) ?? null,
  (request) => first(request.query?.token),
]);

/**
 * Verifies an access token (HS256, issuer, audience, expiry), that it carries every claim it must,
 * then that its user and session are still good and belong together.
 */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy) {
  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    @Inject(ACCESS_TOKEN_KEY) key: KeyObject,
    private readonly state: AuthStateCache,
  ) {
    super({
      jwtFromRequest: accessTokenFrom,
      // jsonwebtoken takes a KeyObject as it is; passport-jwt's types know only strings and buffers.
      secretOrKey: key as unknown as Buffer,
      algorithms: ['HS256'],
      issuer: config.jwtIssuer,
      audience: config.jwtAudience,
    });
  }

  async validate(payload: unknown): Promise<AuthContext> {
    const claims = accessClaimsSchema.safeParse(payload);
    if (!claims.success) throw unauthorized('the access token is not valid');
    const { sub, sid, tv, exp } = claims.data;
    return this.state.recheck({ userId: sub, sessionId: sid, expiresAt: exp, tokenVersion: tv });
  }
}
