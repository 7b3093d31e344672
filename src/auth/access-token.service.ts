import type { KeyObject } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import jwt from 'jsonwebtoken';
import type { AuthContext } from '../common/auth-context.js';
import { DomainError, unauthorized } from '../common/errors.js';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import type { UserAuthState } from '../users/users.service.js';
import { ACCESS_TOKEN_KEY } from './access-token.key.js';
import { AuthStateCache } from './auth-state.cache.js';
import { accessTokenFrom, JwtStrategy, type TokenCarrier } from './jwt.strategy.js';

/** What passport adds to a strategy for one attempt; passport.authenticate() does the same, and more to the request. */
interface StrategyAttempt {
  authenticate(request: TokenCarrier): void;
  success(user: AuthContext): void;
  fail(challenge: unknown): void;
  error(error: unknown): void;
}

/** Issues access tokens and decides, for every request on every transport, who is calling. */
@Injectable()
export class AccessTokenService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(ACCESS_TOKEN_KEY) private readonly key: KeyObject,
    private readonly strategy: JwtStrategy,
    private readonly state: AuthStateCache,
  ) {}

  issue(user: UserAuthState, sessionId: string): { token: string; expiresAt: number } {
    const issuedAt = Math.floor(Date.now() / 1000);
    const expiresAt = issuedAt + this.config.accessTokenTtlSeconds;
    // Every claim the strategy requires, written out rather than left to jsonwebtoken's defaults.
    const token = jwt.sign({ sid: sessionId, tv: user.tokenVersion, iat: issuedAt, exp: expiresAt }, this.key, {
      algorithm: 'HS256',
      subject: String(user.id),
      issuer: this.config.jwtIssuer,
      audience: this.config.jwtAudience,
    });
    return { token, expiresAt };
  }

  /** Who a token handed over outright belongs to (a renewal, MediaMTX's auth callback). */
  authenticate(token: string | undefined): Promise<AuthContext> {
    return this.authenticateRequest({ auth: { token } });
  }

  /** Who sends a request, by the passport-jwt strategy: the one path by which any access token is verified. */
  authenticateRequest(request: TokenCarrier): Promise<AuthContext> {
    if (!accessTokenFrom(request)) return Promise.reject(unauthorized());
    return new Promise((resolve, reject) => {
      const attempt = Object.create(this.strategy) as StrategyAttempt;
      attempt.success = resolve;
      attempt.fail = (challenge) =>
        reject(challenge instanceof jwt.TokenExpiredError ? new DomainError('token_expired', 'the access token has expired') : unauthorized('the access token is not valid'));
      attempt.error = reject;
      attempt.authenticate(request);
    });
  }

  /** Re-validates a live socket's identity, from the cache. */
  recheck(identity: Pick<AuthContext, 'userId' | 'sessionId' | 'expiresAt' | 'tokenVersion'>): Promise<AuthContext> {
    return this.state.recheck(identity);
  }
}
