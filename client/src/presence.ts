import type { InitPayload, OnlineUser, TopicPayload } from './types.js';

/**
 * Who is online (admins; empty for anyone else): each connection's `init` gives everyone online
 * at that moment, and `users:online` / `users:offline` after it keep the list current. Events at
 * or before the `init`'s seq (a resume replays them) are already part of its snapshot.
 */
export class Presence {
  private readonly byId = new Map<number, OnlineUser>();
  private readonly listeners = new Set<(users: OnlineUser[]) => void>();
  private baseline = Number.POSITIVE_INFINITY;

  /** Everyone online, by id. `sockets` is their count when they came online or at the last `init`. */
  get users(): OnlineUser[] {
    return [...this.byId.values()].sort((a, b) => a.id - b.id);
  }

  has(userId: number): boolean {
    return this.byId.has(userId);
  }

  /** Called with everyone online after every change; returns the unsubscribe function. */
  onChange(listener: (users: OnlineUser[]) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** @internal A connection's `init`: the snapshot everything after its seq applies to. */
  reset(init: InitPayload): void {
    this.baseline = init.seq;
    this.byId.clear();
    for (const user of init.usersOnline ?? []) this.byId.set(user.id, user);
    this.changed();
  }

  /** @internal A topic event, in seq order. */
  apply(event: TopicPayload): void {
    if (event.domain !== 'users' || event.entity === null || (event.event !== 'online' && event.event !== 'offline')) return;
    if (event.seq !== null && event.seq <= this.baseline) return;
    if (event.event === 'offline') {
      if (this.byId.delete(event.entity)) this.changed();
      return;
    }
    const { username, sockets } = event.details;
    this.byId.set(event.entity, { id: event.entity, username: typeof username === 'string' ? username : '', sockets: typeof sockets === 'number' ? sockets : 1 });
    this.changed();
  }

  private changed(): void {
    const users = this.users;
    for (const listener of [...this.listeners]) listener(users);
  }
}
