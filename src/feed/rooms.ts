import type { Role } from '../common/auth-context.js';
import { isFeedRoom } from '../events/audience.js';

/** Identity rooms: every socket of a user, of a login session. Topic delivery uses feed rooms (`events/audience.ts`). */
export const userRoom = (userId: number): string => `user:${userId}`;
export const sessionRoom = (sessionId: string): string => `session:${sessionId}`;

const isLogRoom = (room: string): boolean => room.startsWith('logs:');

/** What moving rooms needs of a socket: a live one, or one returned by `fetchSockets`. */
export interface RoomMember {
  readonly rooms: Set<string>;
  join(rooms: string | string[]): Promise<void> | void;
  leave(room: string): Promise<void> | void;
}

/**
 * Puts a socket in exactly the feed rooms `target`, leaving the others. An admin keeps a live
 * log stream it asked for; anyone else loses it.
 */
export async function moveToFeedRooms(socket: RoomMember, target: readonly string[], role: Role): Promise<void> {
  const wanted = new Set(target);
  for (const room of [...socket.rooms]) {
    if ((isFeedRoom(room) && !wanted.has(room)) || (isLogRoom(room) && role !== 'admin')) await socket.leave(room);
  }
  await socket.join([...wanted]);
}

/** Leaves every feed room at once (synchronously with the in-memory adapter). */
export function leaveFeedRooms(socket: RoomMember): void {
  for (const room of [...socket.rooms]) if (isFeedRoom(room)) void socket.leave(room);
}
