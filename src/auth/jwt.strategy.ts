import type { KeyObject } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { ExtractJwt, Strategy, type JwtFromRequestFunction } from 'passport-jwt';
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

interface AccessClaims {
  sub?: unknown;
  sid?: unknown;
  tv?: unknown;
  exp?: unknown;
}

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

/** Verifies an access token (HS256, issuer, audience, expiry), then that its user and session are still good. */
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

  async validate(claims: AccessClaims): Promise<AuthContext> {
    const userId = Number(claims.sub);
    if (!Number.isInteger(userId) || typeof claims.sid !== 'string' || typeof claims.tv !== 'number' || typeof claims.exp !== 'number') {
      throw unauthorized('the access token is not valid');
    }
    return this.state.recheck({ userId, sessionId: claims.sid, expiresAt: claims.exp, tokenVersion: claims.tv });
  }
}
