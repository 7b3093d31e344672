import { Injectable } from '@nestjs/common';
import type { AuthContext } from '../common/auth-context.js';
import { DomainError, unauthorized } from '../common/errors.js';
import { EventBus, type DomainEvent, type FeedEvent } from '../events/event-bus.js';
import { changedUserOf } from '../events/topics.js';
import { UsersService, type UserAuthState } from '../users/users.service.js';
import { SessionsRepository } from './sessions.repository.js';

const MAX_ENTRIES = 10_000;

/** A Map that forgets its oldest entry past a size, so a flood of ids cannot grow it without bound. */
class BoundedMap<K, V> extends Map<K, V> {
  override set(key: K, value: V): this {
    if (!this.has(key) && this.size >= MAX_ENTRIES) this.delete(this.keys().next().value as K);
    return super.set(key, value);
  }
}

/**
 * What every authenticated request checks: the user's current role, can_login and token
 * version, and whether the login session is still open. Cached so a request costs no query,
 * and dropped the moment the users service or a logout announces a change.
 */
@Injectable()
export class AuthStateCache {
  private readonly users = new BoundedMap<number, Promise<UserAuthState | null>>();
  /** Each session's user while the session is open, null once it is not. */
  private readonly sessions = new BoundedMap<string, Promise<number | null>>();

  constructor(
    private readonly usersService: UsersService,
    private readonly sessionRows: SessionsRepository,
    bus: EventBus,
  ) {
    const forgetUser = (event: DomainEvent | FeedEvent) => {
      const userId = changedUserOf(event);
      if (userId !== null) this.users.delete(userId);
    };
    // At once for changes made here, and through the feed for changes made on another instance.
    bus.subscribe('domain', forgetUser);
    bus.subscribe('feed', forgetUser);
    bus.subscribe('user.revoked', ({ userId }) => this.users.delete(userId));
    bus.subscribe('session.revoked', ({ sessionId }) => this.sessions.set(sessionId, Promise.resolve(null)));
  }

  /**
   * Re-validates an identity established earlier (a token just verified, a live socket's): not
   * expired, user still allowed in with the same token version, session still open and that
   * user's. Returns the current role.
   */
  async recheck(identity: Pick<AuthContext, 'userId' | 'sessionId' | 'expiresAt' | 'tokenVersion'>): Promise<AuthContext> {
    if (identity.expiresAt * 1000 <= Date.now()) throw new DomainError('token_expired', 'the access token has expired');
    // Both are cached promises; started together, awaited in turn (this runs on every socket request).
    const userLookup = this.user(identity.userId);
    const sessionUser = await this.sessionUser(identity.sessionId);
    const user = await userLookup;
    if (!user || !user.canLogin || user.tokenVersion !== identity.tokenVersion || sessionUser !== identity.userId) {
      throw unauthorized('the access token has been revoked');
    }
    return { ...identity, username: user.username, role: user.role };
  }

  user(id: number): Promise<UserAuthState | null> {
    return this.cached(this.users, id, () => this.usersService.findAuthState(id));
  }

  /** The user whose session this is while it is open; null when it is unknown, revoked or expired. */
  sessionUser(id: string): Promise<number | null> {
    return this.cached(this.sessions, id, async () => {
      const session = await this.sessionRows.findById(id);
      const open = session !== null && session.revokedAt === null && session.expiresAt.getTime() > Date.now();
      return open ? session.userId : null;
    });
  }

  /** Shares one lookup between concurrent callers; a failed lookup is not kept. */
  private cached<K, V>(map: Map<K, Promise<V>>, key: K, load: () => Promise<V>): Promise<V> {
    let entry = map.get(key);
    if (!entry) {
      entry = load();
      map.set(key, entry);
      entry.catch(() => map.get(key) === entry && map.delete(key));
    }
    return entry;
  }
}
