import { Injectable } from '@nestjs/common';
import type { Server } from 'socket.io';
import { CameraGrantsService } from '../cameras/camera-grants.service.js';
import type { AuthContext, Role } from '../common/auth-context.js';
import { EventBus, type DomainEvent } from '../events/event-bus.js';
import { LogStream } from '../logging/log-stream.js';
import { accessRooms, ADMINS_ROOM, cameraRoom, moveToAccessRooms, userRoom } from './rooms.js';

export interface TopicPayload extends Omit<DomainEvent, 'audience'> {
  at: string;
}

/**
 * Who may see an event: admins always; granted users for a camera; the user themself for
 * their account; everyone for system messages. `undefined` means every authenticated socket.
 */
function audience(event: DomainEvent): string[] | undefined {
  if (event.audience === 'everyone') return undefined;
  if (event.entity === null || event.audience === 'admins') return [ADMINS_ROOM];
  switch (event.domain) {
    case 'camera':
      return [ADMINS_ROOM, cameraRoom(event.entity)];
    case 'users':
      return [ADMINS_ROOM, userRoom(event.entity)];
    case 'credentials':
    case 'system':
      return [ADMINS_ROOM];
  }
}

/**
 * Turns domain events into topics `<domain>:<event>`, `<domain>:*` and `nestmtx:*`, delivered
 * through rooms, and keeps each user's sockets in the rooms their access allows.
 */
@Injectable()
export class TopicFeed {
  private server: Server | undefined;

  constructor(
    bus: EventBus,
    private readonly grants: CameraGrantsService,
    private readonly logs: LogStream,
  ) {
    bus.subscribe('domain', (event) => this.deliver(event));
    bus.subscribe('access.changed', ({ userId, role, cameraIds }) => void this.regroup(userId, role, accessRooms(role, cameraIds)));
  }

  attach(server: Server): void {
    this.server = server;
    this.logs.attach((rooms, entry) => server.to(rooms).emit('log', entry));
  }

  /** The rooms a newly authenticated socket joins besides its identity rooms. */
  async roomsFor(auth: AuthContext): Promise<string[]> {
    return accessRooms(auth.role, auth.role === 'admin' ? [] : await this.grants.cameraIdsOf(auth.userId));
  }

  private deliver(event: DomainEvent): void {
    if (!this.server) return;
    const payload: TopicPayload = { domain: event.domain, entity: event.entity, event: event.event, details: event.details, at: new Date().toISOString() };
    const rooms = audience(event);
    // Every socket on the server is authenticated, so "everyone" is a plain broadcast.
    const target = rooms ? this.server.to(rooms) : this.server;
    // System messages also carry their details at the top level: {message, from, at}.
    target.emit(`${event.domain}:${event.event}`, event.domain === 'system' ? { ...event.details, ...payload } : payload);
    target.emit(`${event.domain}:*`, payload);
    target.emit('nestmtx:*', payload);
    if (event.domain === 'camera' && event.event === 'deleted' && event.entity !== null) {
      // Its last event has gone out; nothing more reaches the users it was granted to.
      this.server.in(cameraRoom(event.entity)).socketsLeave(cameraRoom(event.entity));
    }
  }

  /** Moves every socket of the user into exactly the access rooms given. */
  private async regroup(userId: number, role: Role, rooms: string[]): Promise<void> {
    if (!this.server) return;
    for (const socket of await this.server.in(userRoom(userId)).fetchSockets()) await moveToAccessRooms(socket, rooms, role);
  }
}
