import { createSecretKey, type KeyObject } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import jwt from 'jsonwebtoken';
import type { AuthContext } from '../common/auth-context.js';
import { DomainError, unauthorized } from '../common/errors.js';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import type { UserAuthState } from '../users/users.service.js';
import { AuthStateCache } from './auth-state.cache.js';

interface AccessClaims {
  sub: string;
  sid: string;
  tv: number;
  exp: number;
}

/** Issues access tokens and decides, for every request on every transport, who is calling. */
@Injectable()
export class AccessTokenService {
  // A key object made once: given a string, jsonwebtoken first tries (and fails) to parse it as a public key on every call.
  private readonly key: KeyObject;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly state: AuthStateCache,
  ) {
    this.key = createSecretKey(Buffer.from(config.jwtSecret, 'utf8'));
  }

  issue(user: UserAuthState, sessionId: string): { token: string; expiresAt: number } {
    const expiresAt = Math.floor(Date.now() / 1000) + this.config.accessTokenTtlSeconds;
    const token = jwt.sign({ sid: sessionId, tv: user.tokenVersion, exp: expiresAt }, this.key, {
      algorithm: 'HS256',
      subject: String(user.id),
      issuer: this.config.jwtIssuer,
      audience: this.config.jwtAudience,
    });
    return { token, expiresAt };
  }

  /** Verifies signature and claims of a token, then checks the user and session are still good. */
  async authenticate(token: string | undefined): Promise<AuthContext> {
    if (!token) throw unauthorized();
    let claims: AccessClaims;
    try {
      claims = jwt.verify(token, this.key, {
        algorithms: ['HS256'],
        issuer: this.config.jwtIssuer,
        audience: this.config.jwtAudience,
      }) as AccessClaims;
    } catch (error) {
      if (error instanceof jwt.TokenExpiredError) throw new DomainError('token_expired', 'the access token has expired');
      throw unauthorized('the access token is not valid');
    }
    const userId = Number(claims.sub);
    if (!Number.isInteger(userId) || typeof claims.sid !== 'string' || typeof claims.tv !== 'number') {
      throw unauthorized('the access token is not valid');
    }
    return this.recheck({ userId, sessionId: claims.sid, expiresAt: claims.exp, tokenVersion: claims.tv });
  }

  /**
   * Re-validates an identity established earlier (a live socket's): not expired, user still
   * allowed in with the same token version, session still open. Returns the current role.
   */
  async recheck(identity: Pick<AuthContext, 'userId' | 'sessionId' | 'expiresAt' | 'tokenVersion'>): Promise<AuthContext> {
    if (identity.expiresAt * 1000 <= Date.now()) throw new DomainError('token_expired', 'the access token has expired');
    // Both are cached promises; started together, awaited in turn (this runs on every socket request).
    const userLookup = this.state.user(identity.userId);
    const sessionOpen = await this.state.sessionOpen(identity.sessionId);
    const user = await userLookup;
    if (!user || !user.canLogin || user.tokenVersion !== identity.tokenVersion || !sessionOpen) {
      throw unauthorized('the access token has been revoked');
    }
    return { ...identity, username: user.username, role: user.role };
  }
}
