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
