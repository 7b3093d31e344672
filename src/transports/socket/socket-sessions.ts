import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import type { Socket } from 'socket.io';
import type { AuthContext } from '../../common/auth-context.js';
import { unauthorized } from '../../common/errors.js';
import { APP_CONFIG, type AppConfig } from '../../config/config.js';
import type { ClientToServerEvents, OnlineUser, ServerToClientEvents } from '../../contract/socket-events.js';
import { LOGGER } from '../../logging/logger.js';
import type { UserView } from '../../users/users.schemas.js';
import { UsersService } from '../../users/users.service.js';
import { VERSION } from '../../version.js';
import { ClusterPresence } from './cluster-presence.js';

type SessionSocket = Socket<ClientToServerEvents, ServerToClientEvents>;

// setTimeout cannot wait longer than this (about 24.8 days).
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * The life of each authenticated socket: the `init` snapshot, presence, the warning before its
 * access token expires and the disconnect when it does.
 */
@Injectable()
export class SocketSessions {
  private readonly expiryTimers = new Map<string, NodeJS.Timeout[]>();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly presence: ClusterPresence,
    private readonly users: UsersService,
  ) {}

  /**
   * `seq` is the last event delivered before the socket connected: it receives every one after.
   * `online` (admins): everyone online on any instance, read at the handshake, before this socket.
   */
  opened(socket: SessionSocket, auth: AuthContext, seq: number, user: UserView | undefined, online: OnlineUser[] | undefined): void {
    this.scheduleExpiry(socket, auth);
    this.presence.opened(auth.userId, auth.username);
    socket.emit('init', {
      user,
      server: { version: VERSION, time: new Date().toISOString(), instance: this.config.instanceName },
      seq,
      ...(auth.role === 'admin' ? { usersOnline: withSocketOf(online ?? [], auth) } : {}),
    });
  }

  /** Everyone online on any instance; for an admin's `init`, read while the socket connects. */
  usersOnline(): Promise<OnlineUser[]> {
    return this.presence.online();
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
    this.presence.closed(auth.userId);
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
}

/** The users online with the socket being opened counted in. */
function withSocketOf(online: OnlineUser[], auth: AuthContext): OnlineUser[] {
  const own = online.find((entry) => entry.id === auth.userId);
  if (!own) return [...online, { id: auth.userId, username: auth.username, sockets: 1 }].sort((a, b) => a.id - b.id);
  return online.map((entry) => (entry === own ? { ...entry, sockets: entry.sockets + 1 } : entry));
}
