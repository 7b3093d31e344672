import { EventEmitter } from 'node:events';
import { Injectable } from '@nestjs/common';

/** A change in a domain, as published on the topic feed (`<domain>:<event>`). */
export interface DomainEvent {
  domain: 'users' | 'camera' | 'credentials' | 'system' | 'audit' | 'tokens';
  entity: number | null;
  event: string;
  details: Record<string, unknown>;
  /** Narrows or widens who receives it; by default the domain's own rule applies. */
  audience?: 'admins' | 'everyone';
}

/** A domain event as stored and numbered, from this instance or another: what the topic feed delivers. */
export interface FeedEvent extends Omit<DomainEvent, 'audience'> {
  /** Null only when the event could not be stored (the database was unreachable). */
  seq: number | null;
  at: string;
  /** Who may see it (see `audienceOf`). */
  audiences: string[];
}

/** Everything services announce to each other inside the process. */
export interface InternalEvents {
  /** Published by the service where something happened, on this instance only. */
  domain: DomainEvent;
  /** Every domain event of every instance, once stored, in `seq` order. */
  feed: FeedEvent;
  /** Every token of the user is void (token version bumped, user disabled or deleted). */
  'user.revoked': { userId: number; reason: string };
  /** What a user may see changed (role or camera grants); carries the new state in full. */
  'access.changed': { userId: number; role: 'admin' | 'user'; cameraIds: number[] };
  /** One login session ended (logout, refresh-token reuse). */
  'session.revoked': { sessionId: string; userId: number; reason: string };
  /** A stream token was revoked: it opens nothing any more. */
  'stream-token.revoked': { tokenId: number; userId: number };
}

/** Typed in-process publish/subscribe; listeners run synchronously in publish order. */
@Injectable()
export class EventBus {
  private readonly emitter = new EventEmitter({ captureRejections: false });

  constructor() {
    this.emitter.setMaxListeners(100);
  }

  publish<K extends keyof InternalEvents>(name: K, event: InternalEvents[K]): void {
    this.emitter.emit(name, event);
  }

  subscribe<K extends keyof InternalEvents>(name: K, listener: (event: InternalEvents[K]) => void): () => void {
    this.emitter.on(name, listener);
    return () => this.emitter.off(name, listener);
  }
}
