import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { UnitOfWork, type Work } from '../audit/unit-of-work.js';
import type { AuthContext } from '../common/auth-context.js';
import { DomainError, toDomainError, unauthorized } from '../common/errors.js';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { EventBus } from '../events/event-bus.js';
import { LoginThrottle } from '../users/login-throttle.js';
import { PasswordHasher } from '../users/password-hasher.js';
import { UsersService, type UserAuthState } from '../users/users.service.js';
import { AccessTokenService } from './access-token.service.js';
import type { LoginDto, RefreshDto, Tokens } from './auth.schemas.js';
import { SessionsRepository } from './sessions.repository.js';

const hashToken = (token: string): string => createHash('sha256').update(token).digest('hex');
const INVALID_LOGIN = 'invalid username or password';

@Injectable()
export class AuthService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly sessions: SessionsRepository,
    private readonly users: UsersService,
    private readonly hasher: PasswordHasher,
    private readonly accessTokens: AccessTokenService,
    private readonly throttle: LoginThrottle,
    private readonly bus: EventBus,
    private readonly unit: UnitOfWork,
  ) {}

  /**
   * Checks a username and password, with the per-account backoff; the same answer for unknown
   * users and disabled accounts. `throttle` is the backoff to count against (MediaMTX readers
   * have their own).
   */
  async verifyPassword(username: string, password: string, throttle: LoginThrottle = this.throttle): Promise<UserAuthState> {
    await throttle.beginAttempt(username);
    const user = await this.users.findForLogin(username);
    const passwordMatches = user ? await this.hasher.verify(user.passwordHash, password) : await this.hasher.verifyDecoy(password);
    // A disabled account answers as a wrong password does: the answer must not confirm a password.
    if (!user || !passwordMatches || !user.canLogin) throw unauthorized(INVALID_LOGIN);
    await throttle.recordSuccess(username);
    const { passwordHash: _hash, ...state } = user;
    return state;
  }

  async login(dto: LoginDto): Promise<Tokens> {
    let user: UserAuthState;
    try {
      user = await this.verifyPassword(dto.username, dto.password);
    } catch (error) {
      // A refused login changes nothing, so it is recorded on its own; a throttled one is not
      // recorded, so that a flood of guesses cannot flood the audit log.
      if (toDomainError(error).code === 'unauthorized') await this.recordRefusedLogin(dto.username);
      throw error;
    }
    const sessionId = randomUUID();
    return this.unit.run(async (work) => {
      await this.sessions.insert(work.manager, {
        id: sessionId,
        userId: user.id,
        tokenVersion: user.tokenVersion,
        expiresAt: new Date(Date.now() + this.config.refreshTokenTtlSeconds * 1000),
      });
      work.record({ entity: sessionId, actor: { id: user.id, name: user.username } });
      return this.tokensFor(work, user, sessionId);
    });
  }

  /** Trades a refresh token for new tokens; a token presented twice ends its whole session. */
  async refresh(dto: RefreshDto): Promise<Tokens> {
    const tokenHash = hashToken(dto.refresh);
    const outcome = await this.unit.run(async (work) => {
      const token = await this.sessions.findRefreshToken(work.manager, tokenHash);
      if (!token) return { kind: 'unknown' as const };
      const session = await this.sessions.getInTransaction(work.manager, token.sessionId);
      const user = await this.users.findAuthState(session.userId);
      const actor = { id: session.userId, name: user?.username ?? `user ${session.userId}` };
      if (!(await this.sessions.claimRefreshToken(work.manager, tokenHash, new Date()))) {
        const revokedAt = new Date();
        await this.sessions.revoke(session.id, revokedAt, work.manager);
        // Refused, yet a change: the session of a token presented twice ends.
        work.record({ entity: session.id, actor, outcome: 'refused', changes: { revoked_at: { old: session.revokedAt, new: revokedAt } } });
        return { kind: 'reused' as const, session };
      }
      const sessionValid = session.revokedAt === null && session.expiresAt.getTime() > Date.now();
      if (!user || !user.canLogin || !sessionValid || session.tokenVersion !== user.tokenVersion) return { kind: 'ended' as const };
      work.record({ entity: session.id, actor });
      return { kind: 'fresh' as const, tokens: await this.tokensFor(work, user, session.id) };
    });
    if (outcome.kind === 'unknown') throw unauthorized('the refresh token is not valid');
    if (outcome.kind === 'ended') throw unauthorized('the session has ended; log in again');
    if (outcome.kind === 'reused') {
      const { session } = outcome;
      this.bus.publish('session.revoked', { sessionId: session.id, userId: session.userId, reason: 'refresh token reused' });
      throw unauthorized('the refresh token was already used; the session has been ended');
    }
    return outcome.tokens;
  }

  /** Checks a fresh access token that a live connection of `current`'s user wants to carry on with. */
  async verifyRenewal(current: AuthContext, token: string): Promise<AuthContext> {
    const next = await this.accessTokens.authenticate(token);
    if (next.userId !== current.userId) throw new DomainError('forbidden', 'that token belongs to another user');
    return next;
  }

  async logout(auth: AuthContext): Promise<{ loggedOut: true }> {
    await this.unit.run(async ({ manager, record }) => {
      const revokedAt = new Date();
      await this.sessions.revoke(auth.sessionId, revokedAt, manager);
      record({ entity: auth.sessionId, changes: { revoked_at: { old: null, new: revokedAt } } });
    });
    this.bus.publish('session.revoked', { sessionId: auth.sessionId, userId: auth.userId, reason: 'logged out' });
    return { loggedOut: true };
  }

  /** Records the attempt of a login that was refused: never the password, only the name given and whose it is. */
  private async recordRefusedLogin(username: string): Promise<void> {
    const user = await this.users.findForLogin(username);
    await this.unit.recordAlone({ entity: user?.id ?? null, actor: { id: user?.id ?? null, name: username }, outcome: 'refused' });
  }

  private async tokensFor({ manager }: Work, user: UserAuthState, sessionId: string): Promise<Tokens> {
    const refresh = randomBytes(32).toString('base64url');
    await this.sessions.insertRefreshToken(manager, hashToken(refresh), sessionId);
    const access = this.accessTokens.issue(user, sessionId);
    const view = await this.users.viewOf(user.id);
    return { bearer: access.token, expiration: new Date(access.expiresAt * 1000).toISOString(), refresh, user: view };
  }
}
