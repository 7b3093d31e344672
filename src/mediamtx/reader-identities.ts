import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { AccessTokenService } from '../auth/access-token.service.js';
import { AuthService } from '../auth/auth.service.js';
import { LoginThrottle } from '../users/login-throttle.js';
import { RateLimiter } from '../commands/rate-limiter.js';
import { DomainError } from '../common/errors.js';
import { LOGGER } from '../logging/logger.js';
import { isStreamToken, StreamTokensService } from '../tokens/stream-tokens.service.js';
import { ReaderAuthCache, type VerifiedCredentials } from './reader-auth-cache.js';

const JWT_SHAPE = /^[\w-]+\.[\w-]+\.[\w-]+$/;

/** What a reader offered MediaMTX: user and password (RTSP, Basic), token (Bearer), `?token=`. */
export interface OfferedCredentials {
  ip: string;
  user: string;
  password: string;
  token: string;
}

/**
 * Tells who a MediaMTX reader is: a stream token (as password, `token` or `?token=`), an access
 * token (likewise), or a username and password. Verified credentials are answered from memory
 * (ReaderAuthCache) and cost no budget; a password not in memory is charged to the reader's
 * address and to the account's backoff, both kept apart from REST logins.
 */
@Injectable()
export class ReaderIdentities {
  /** The per-account backoff of reader passwords: guesses through MediaMTX cannot lock the REST login. */
  private readonly throttle: LoginThrottle;

  constructor(
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly auth: AuthService,
    private readonly accessTokens: AccessTokenService,
    private readonly streamTokens: StreamTokensService,
    private readonly limits: RateLimiter,
    private readonly cache: ReaderAuthCache,
    throttle: LoginThrottle,
  ) {
    this.throttle = throttle.apart('reader');
  }

  async identify(offered: OfferedCredentials): Promise<VerifiedCredentials | null> {
    const secrets = [offered.password, offered.token].filter((value) => value !== '');
    const streamToken = secrets.find(isStreamToken);
    if (streamToken) return this.cache.streamToken(streamToken, () => this.verifyStreamToken(streamToken));
    try {
      // MediaMTX copies a password into `token` too, so a JWT is recognised by its shape, wherever it came.
      const accessToken = secrets.find((value) => JWT_SHAPE.test(value));
      if (accessToken) return { userId: (await this.accessTokens.authenticate(accessToken)).userId };
      const { user, password } = offered;
      if (!user || !password) return null;
      // Credentials already verified (or being verified) are no new guess: nothing to charge.
      const key = this.cache.passwordKey(user, password);
      if (!this.cache.holdsPassword(key)) await this.limits.chargeReaderLogin(offered.ip || 'mediamtx');
      return await this.cache.password(key, () => this.verifyPassword(user, password));
    } catch (error) {
      if (error instanceof DomainError) return null;
      throw error;
    }
  }

  private async verifyStreamToken(token: string): Promise<VerifiedCredentials | null> {
    const holder = await this.streamTokens.verify(token);
    if (!holder) return null;
    return { userId: holder.userId, streamToken: { tokenId: holder.tokenId, cameraId: holder.cameraId, expiresAt: holder.expiresAt } };
  }

  private async verifyPassword(user: string, password: string): Promise<VerifiedCredentials> {
    try {
      const state = await this.auth.verifyPassword(user, password, this.throttle);
      this.logger.debug({ user, verified: true }, 'checked a reader password');
      return { userId: state.id, tokenVersion: state.tokenVersion };
    } catch (error) {
      // A throttled attempt was refused before any check.
      if (!(error instanceof DomainError && error.code === 'rate_limited')) this.logger.debug({ user, verified: false }, 'checked a reader password');
      throw error;
    }
  }
}
