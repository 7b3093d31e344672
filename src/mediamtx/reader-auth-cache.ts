import { createHmac, randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { EventBus, type DomainEvent, type FeedEvent } from '../events/event-bus.js';
import { changedUserOf } from '../events/topics.js';

/** Who a username and password, or a stream token, turned out to be. */
export interface VerifiedCredentials {
  userId: number;
  /** The user's token version when the password was checked: a later bump voids the entry. */
  tokenVersion?: number;
  /** Set for a stream token. */
  streamToken?: { tokenId: number; cameraId: number; expiresAt: number };
}

interface Entry<T> {
  value: Promise<T | null>;
  /** Known once the lookup is done; a pending entry belongs to nobody yet. */
  userId?: number;
  tokenId?: number;
  expiresAt: number;
}

const MAX_ENTRIES = 10_000;

/**
 * What MediaMTX's auth callback can answer from memory: credentials and stream tokens that
 * verified, and each user's camera grants. MediaMTX waits for the callback inside its one
 * path-manager loop, so every lookup saved here is time no other reader, API call or config
 * reload of that MediaMTX spends waiting.
 *
 * Nothing is kept in clear: entries are keyed by an HMAC (with a key made at start) of the
 * username and password or of the token. Entries live `MEDIAMTX_AUTH_CACHE_SECONDS` at most
 * and are dropped at once, on every instance, when the user is revoked (password change,
 * disable, delete), their access changes, or the token is revoked. Failed checks are never kept.
 */
@Injectable()
export class ReaderAuthCache {
  private readonly key = randomBytes(32);
  private readonly ttlMs: number;
  private readonly credentials = new Map<string, Entry<VerifiedCredentials>>();
  private readonly grants = new Map<number, Entry<ReadonlySet<number>>>();

  constructor(@Inject(APP_CONFIG) config: AppConfig, bus: EventBus) {
    this.ttlMs = config.mediamtx.authCacheSeconds * 1000;
    const forgetChangedUser = (event: DomainEvent | FeedEvent) => {
      const userId = changedUserOf(event);
      if (userId !== null) this.forgetUser(userId);
    };
    bus.subscribe('domain', forgetChangedUser);
    bus.subscribe('feed', forgetChangedUser);
    bus.subscribe('user.revoked', ({ userId }) => this.forgetUser(userId));
    bus.subscribe('access.changed', ({ userId }) => this.forgetUser(userId));
    bus.subscribe('stream-token.revoked', ({ tokenId }) => this.forgetToken(tokenId));
    // A deleted camera takes its grants and tokens with it.
    bus.subscribe('feed', (event) => {
      if (event.domain === 'camera' && event.event === 'deleted') this.clear();
    });
  }

  /** What a username and password are remembered by: a keyed hash, never the password. */
  passwordKey(username: string, password: string): string {
    return this.digest('p', `${username.toLowerCase()}\u0000${password}`);
  }

  /** The verified owner of a username and password (by `passwordKey`), from memory or from `verify` (shared by concurrent callers). */
  password(key: string, verify: () => Promise<VerifiedCredentials | null>): Promise<VerifiedCredentials | null> {
    return this.remember(this.credentials, key, verify);
  }

  streamToken(token: string, verify: () => Promise<VerifiedCredentials | null>): Promise<VerifiedCredentials | null> {
    return this.remember(this.credentials, this.digest('t', token), verify);
  }

  /** Whether these credentials are verified in memory, or being verified right now (they then cost no budget). */
  holdsPassword(key: string): boolean {
    const entry = this.credentials.get(key);
    return entry !== undefined && entry.expiresAt > Date.now();
  }

  grantedCameras(userId: number, load: () => Promise<ReadonlySet<number>>): Promise<ReadonlySet<number> | null> {
    return this.remember(this.grants, userId, load);
  }

  private remember<K, T extends VerifiedCredentials | ReadonlySet<number>>(map: Map<K, Entry<T>>, key: K, load: () => Promise<T | null>): Promise<T | null> {
    const now = Date.now();
    const found = map.get(key);
    if (found && found.expiresAt > now) return found.value;
    if (found) map.delete(key);
    const entry: Entry<T> = { value: load(), expiresAt: now + this.ttlMs };
    if (map.size >= MAX_ENTRIES) map.delete(map.keys().next().value as K);
    map.set(key, entry);
    const drop = () => map.get(key) === entry && map.delete(key);
    entry.value.then((value) => {
      if (value === null) return drop();
      if ('userId' in value) {
        entry.userId = value.userId;
        entry.tokenId = value.streamToken?.tokenId;
        if (value.streamToken) entry.expiresAt = Math.min(entry.expiresAt, value.streamToken.expiresAt);
      } else entry.userId = typeof key === 'number' ? key : undefined;
      return undefined;
    }, drop);
    return entry.value;
  }

  /** Drops the user's entries, and every lookup still under way (its owner is not known yet). */
  forgetUser(userId: number): void {
    this.grants.delete(userId);
    for (const [key, entry] of this.credentials) if (entry.userId === userId || entry.userId === undefined) this.credentials.delete(key);
  }

  forgetToken(tokenId: number): void {
    for (const [key, entry] of this.credentials) if (entry.tokenId === tokenId || entry.userId === undefined) this.credentials.delete(key);
  }

  clear(): void {
    this.credentials.clear();
    this.grants.clear();
  }

  private digest(kind: string, secret: string): string {
    return createHmac('sha256', this.key).update(kind).update('\u0000').update(secret).digest('base64url');
  }
}
