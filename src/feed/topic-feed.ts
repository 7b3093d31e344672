import { Injectable } from '@nestjs/common';
import type { Server, Socket } from 'socket.io';
import type { Role } from '../common/auth-context.js';
import type { ClientToServerEvents, ServerToClientEvents, TopicPayload } from '../contract/socket-events.js';
import { audiencesOf, cameraAudience, deliveryRooms, feedRooms } from '../events/audience.js';
import { EventBus, type FeedEvent } from '../events/event-bus.js';
import { ALL_TOPICS, TOPIC_EVENTS, type TopicPattern } from '../events/topics.js';
import { LogStream } from '../logging/log-stream.js';
import { RelayMetrics } from '../metrics/relay-metrics.js';
import { leaveFeedRooms, moveToFeedRooms, userRoom, type RoomMember } from './rooms.js';

/** Events encoded once for all the sockets they go to; the Socket.IO transport supplies the encoding. */
export interface EncodedEvents {
  sendTo(socket: Socket): void;
  /** Returns how many sockets it was sent to. */
  broadcast(server: Server, rooms: readonly string[]): number;
}

export type EventEncoder = (server: Server, events: ReadonlyArray<readonly [string, unknown]>) => EncodedEvents;

/** What the feed keeps on each socket. */
export interface FeedSocketData {
  /** Who this socket's user is, for delivery (`audiencesOf`). */
  audiences: string[];
  role: Role;
  /** The seq after which this socket has had every event of its topics: what a replay need not send again. */
  coveredFrom: number;
  /** Topics asked for; undefined until the socket first subscribes, which means all of them. */
  topics: TopicPattern[] | undefined;
}

type FeedMember = RoomMember & { readonly id: string; data: FeedSocketData };
/** A live socket of this instance with the feed's data. */
export type FeedSocket = Omit<Socket, 'data'> & { data: FeedSocketData };

/** Live delivery to one socket held back while its replay is sent. */
export interface Hold {
  socket: FeedSocket;
  /** The feed rooms it will join once released; moved along if its access changes meanwhile. */
  rooms: Set<string>;
  /** Events at or below this seq are not buffered (the client has them or the replay sends them). */
  after: number;
  buffer: Array<{ rooms: string[]; batch: EncodedEvents }>;
}

/** Every feed room of an audience, for emptying it. */
const everyPattern: TopicPattern[] = [ALL_TOPICS, ...Object.entries(TOPIC_EVENTS).flatMap(([domain, events]) => [`${domain}:*`, ...events.map((event) => `${domain}:${event}`)])];

/** An event under its three names, `<domain>:<event>`, `<domain>:*` and `nestmtx:*`, each with what it carries. */
export function topicEvents(event: FeedEvent | TopicPayload): Array<[string, unknown]> {
  const payload: TopicPayload = 'audiences' in event ? { domain: event.domain, entity: event.entity, event: event.event, details: event.details, at: event.at, seq: event.seq } : event;
  return [
    // System messages also carry their details at the top level: {message, from, at}.
    [`${payload.domain}:${payload.event}`, payload.domain === 'system' ? { ...payload.details, ...payload } : payload],
    [`${payload.domain}:*`, payload],
    ['nestmtx:*', payload],
  ];
}

/**
 * Delivers stored domain events (`feed`) as topics through Socket.IO rooms, and keeps each
 * socket in the rooms its access and its subscriptions call for.
 */
@Injectable()
export class TopicFeed {
  private server: Server | undefined;
  private encode: EventEncoder | undefined;
  private readonly holds = new Map<string, Hold>();

  constructor(
    bus: EventBus,
    private readonly logs: LogStream,
    private readonly metrics: RelayMetrics,
  ) {
    bus.subscribe('feed', (event) => this.deliver(event));
    bus.subscribe('access.changed', ({ userId, role, cameraIds }) => void this.regroup(userId, role, audiencesOf(userId, role, cameraIds)));
  }

  attach(server: Server<ClientToServerEvents, ServerToClientEvents>, encode: EventEncoder): void {
    this.server = server;
    this.encode = encode;
    this.logs.attach(
      (rooms, entry) => server.to(rooms).emit('log', entry),
      (room) => server.sockets.adapter.rooms.get(room)?.size ?? 0,
    );
  }

  /** Puts a socket where its (new) access and its subscriptions say; a held socket gets there on release. */
  async place(socket: FeedMember, audiences: string[], role: Role): Promise<void> {
    socket.data.audiences = audiences;
    socket.data.role = role;
    const rooms = feedRooms(audiences, socket.data.topics);
    const hold = this.holds.get(socket.id);
    if (hold) {
      hold.rooms = new Set(rooms);
      // Its feed rooms wait for the release; the admin-only log stream does not.
      if (role !== 'admin') await moveToFeedRooms(socket, [], role);
      return;
    }
    await moveToFeedRooms(socket, rooms, role);
  }

  /**
   * Stops live delivery to the socket (it leaves its feed rooms) and buffers what it would have
   * received, until `release`. Synchronous, so no event slips between leaving and buffering.
   */
  hold(socket: FeedSocket, after: number): Hold {
    const hold: Hold = { socket, rooms: new Set(feedRooms(socket.data.audiences, socket.data.topics)), after, buffer: [] };
    this.holds.set(socket.id, hold);
    leaveFeedRooms(socket);
    return hold;
  }

  /** Sends what was buffered, then rejoins the rooms: live delivery resumes with no gap and no duplicate. */
  release(hold: Hold): void {
    if (this.holds.get(hold.socket.id) === hold) this.holds.delete(hold.socket.id);
    if (!hold.socket.connected) return;
    for (const { rooms, batch } of hold.buffer) {
      // Access may have narrowed while it was held.
      if (rooms.some((room) => hold.rooms.has(room))) batch.sendTo(hold.socket as Socket);
    }
    void hold.socket.join([...hold.rooms]);
  }

  /** Sends the events to one socket, in order, in one write. */
  send(socket: FeedSocket, events: ReadonlyArray<FeedEvent | TopicPayload>): void {
    if (!this.server || !this.encode || events.length === 0) return;
    this.encode(this.server, events.flatMap(topicEvents)).sendTo(socket as Socket);
  }

  /** Whether the held socket may receive the event with its access as it is now. */
  mayReceive(hold: Hold, event: FeedEvent): boolean {
    return deliveryRooms(event.audiences, event.domain, event.event).some((room) => hold.rooms.has(room));
  }

  forget(socketId: string): void {
    this.holds.delete(socketId);
  }

  private deliver(event: FeedEvent): void {
    if (!this.server || !this.encode) return;
    const rooms = deliveryRooms(event.audiences, event.domain, event.event);
    const batch = this.encode(this.server, topicEvents(event));
    const sockets = batch.broadcast(this.server, rooms);
    this.metrics.eventDelivered(event.domain, sockets, (Date.now() - Date.parse(event.at)) / 1000);
    for (const hold of this.holds.values()) {
      if ((event.seq === null || event.seq > hold.after) && rooms.some((room) => hold.rooms.has(room))) hold.buffer.push({ rooms, batch });
    }
    if (event.domain === 'camera' && event.event === 'deleted' && event.entity !== null) {
      // Its last event has gone out; nothing more reaches the users it was granted to.
      const audienceRooms = feedRooms([cameraAudience(event.entity)], everyPattern);
      this.server.in(audienceRooms).socketsLeave(audienceRooms);
    }
  }

  /** Moves every socket of the user into exactly the rooms their new access allows. */
  private async regroup(userId: number, role: Role, audiences: string[]): Promise<void> {
    if (!this.server) return;
    for (const socket of await this.server.in(userRoom(userId)).fetchSockets()) {
      await this.place(socket, audiences, role);
    }
  }
}
