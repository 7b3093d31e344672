import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import type { Socket } from 'socket.io';
import type { AuthContext } from '../../common/auth-context.js';
import { unauthorized } from '../../common/errors.js';
import { APP_CONFIG, type AppConfig } from '../../config/config.js';
import type { ClientToServerEvents, OnlineUser, ServerToClientEvents } from '../../contract/socket-events.js';
import { EventBus } from '../../events/event-bus.js';
import { LOGGER } from '../../logging/logger.js';
import type { UserView } from '../../users/users.schemas.js';
import { UsersService } from '../../users/users.service.js';
import { VERSION } from '../../version.js';

type SessionSocket = Socket<ClientToServerEvents, ServerToClientEvents>;

// setTimeout cannot wait longer than this (about 24.8 days).
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * The life of each authenticated socket: the `init` snapshot, presence, the warning before its
 * access token expires and the disconnect when it does.
 */
@Injectable()
export class SocketSessions {
  private readonly online = new Map<number, OnlineUser>();
  private readonly expiryTimers = new Map<string, NodeJS.Timeout[]>();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly bus: EventBus,
    private readonly users: UsersService,
  ) {}

  /** `seq` is the last event delivered before the socket connected: it receives every one after. */
  opened(socket: SessionSocket, auth: AuthContext, seq: number, user: UserView | undefined): void {
    this.scheduleExpiry(socket, auth);
    const entry = this.online.get(auth.userId) ?? { id: auth.userId, username: auth.username, sockets: 0 };
    entry.sockets += 1;
    this.online.set(auth.userId, entry);
    if (entry.sockets === 1) this.publishPresence('online', entry);
    socket.emit('init', {
      user,
      server: { version: VERSION, time: new Date().toISOString(), instance: this.config.instanceName },
      seq,
      ...(auth.role === 'admin' ? { usersOnline: this.usersOnline() } : {}),
    });
  }

  /** The user as `init` shows them, with the grants that place the socket; read once per handshake. */
  async userOf(auth: AuthContext): Promise<UserView> {
    const user = await this.users.findView(auth.userId);
    // Deleted since the token was checked.
    if (!user) throw unauthorized('the access token has been revoked');
    return user;
  }

  closed(socket: SessionSocket, auth: AuthContext): void {
    this.clearExpiry(socket.id);
    const entry = this.online.get(auth.userId);
    if (!entry) return;
    entry.sockets -= 1;
    if (entry.sockets > 0) return;
    this.online.delete(auth.userId);
    this.publishPresence('offline', entry);
  }

  usersOnline(): OnlineUser[] {
    return [...this.online.values()].map((entry) => ({ ...entry }));
  }

  /** `session:expiring` ahead of the token's expiry, then `session:expired` and a disconnect. */
  scheduleExpiry(socket: SessionSocket, auth: AuthContext): void {
    this.clearExpiry(socket.id);
    if (!socket.connected) return;
    // The token's claims were checked when it was verified; a time no Date can hold still counts as
    // expired now rather than throwing here, where a throw would take the process down.
    const claimedMs = auth.expiresAt * 1000;
    const expiresAtMs = Number.isNaN(new Date(claimedMs).getTime()) ? Date.now() : claimedMs;
    const expiresAt = new Date(expiresAtMs).toISOString();
    const untilExpiry = expiresAtMs - Date.now();
    const untilWarning = untilExpiry - this.config.sessionExpiryWarningSeconds * 1000;
    const warn = setTimeout(() => socket.emit('session:expiring', { expiresAt }), Math.min(Math.max(untilWarning, 0), MAX_TIMER_MS));
    const expire = setTimeout(() => {
      this.expiryTimers.delete(socket.id);
      socket.emit('session:expired', { expiresAt });
      this.logger.debug({ userId: auth.userId, socket: socket.id }, 'socket token expired; disconnecting');
      socket.disconnect(true);
    }, Math.min(Math.max(untilExpiry, 0), MAX_TIMER_MS));
    this.expiryTimers.set(socket.id, [warn, expire]);
  }

  private clearExpiry(socketId: string): void {
    for (const timer of this.expiryTimers.get(socketId) ?? []) clearTimeout(timer);
    this.expiryTimers.delete(socketId);
  }

  private publishPresence(event: 'online' | 'offline', entry: OnlineUser): void {
    this.bus.publish('domain', { domain: 'users', entity: entry.id, event, details: { ...entry }, audience: 'admins' });
  }
}
