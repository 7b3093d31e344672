import { Injectable } from '@nestjs/common';
import { EventBus } from '../events/event-bus.js';
import { changedUserOf } from '../events/topics.js';

/**
 * How many changes to each user this instance has heard of: access changes, revocations, and
 * the user's own events (a rename). A handshake or a renewal compares the count before it reads
 * the user and after it has placed the socket: a change in between reached none of the
 * socket's rooms (a connecting socket receives nothing), so what it read may be stale.
 */
@Injectable()
export class UserChanges {
  private readonly counts = new Map<number, number>();

  constructor(bus: EventBus) {
    bus.subscribe('access.changed', ({ userId }) => this.count(userId));
    bus.subscribe('user.revoked', ({ userId }) => this.count(userId));
    bus.subscribe('session.revoked', ({ userId }) => this.count(userId));
    bus.subscribe('feed', (event) => {
      const userId = changedUserOf(event);
      if (userId !== null) this.count(userId);
    });
  }

  of(userId: number): number {
    return this.counts.get(userId) ?? 0;
  }

  private count(userId: number): void {
    this.counts.set(userId, this.of(userId) + 1);
  }
}
