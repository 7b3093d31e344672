import type { Role } from '../common/auth-context.js';

/** Socket.IO rooms: delivery is `io.to(rooms).emit`, so an adapter can fan out across instances. */
export const ADMINS_ROOM = 'admins';
export const userRoom = (userId: number): string => `user:${userId}`;
export const sessionRoom = (sessionId: string): string => `session:${sessionId}`;
export const cameraRoom = (cameraId: number): string => `camera:${cameraId}`;

/** Rooms that follow from what a user may see: all for admins, granted cameras for users. */
export function accessRooms(role: Role, cameraIds: readonly number[]): string[] {
  return role === 'admin' ? [ADMINS_ROOM] : cameraIds.map(cameraRoom);
}

/** Rooms that `accessRooms` (and the admin-only log stream) manage, as opposed to identity rooms. */
export const isAccessRoom = (room: string): boolean => room === ADMINS_ROOM || room.startsWith('camera:') || room.startsWith('logs:');

/** What moving rooms needs of a socket: a live one, or one returned by `fetchSockets`. */
interface RoomMember {
  readonly rooms: Set<string>;
  join(rooms: string | string[]): Promise<void> | void;
  leave(room: string): Promise<void> | void;
}

/**
 * Puts a socket in exactly the access rooms `target`, leaving the others. An admin keeps a live
 * log stream it asked for; anyone else loses it.
 */
export async function moveToAccessRooms(socket: RoomMember, target: readonly string[], role: Role): Promise<void> {
  for (const room of [...socket.rooms]) {
    const keepsLogs = role === 'admin' && room.startsWith('logs:');
    if (isAccessRoom(room) && !target.includes(room) && !keepsLogs) await socket.leave(room);
  }
  await socket.join([...target]);
}
