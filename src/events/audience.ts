import type { Role } from '../common/auth-context.js';
import type { DomainEvent } from './event-bus.js';
import { ALL_TOPICS, patternsOf, type TopicPattern } from './topics.js';

/**
 * Who may see an event, as audience names: `everyone` (every signed-in user), `admins`,
 * `camera:<id>` (users granted that camera) and `user:<id>` (that user; for a stream token, its
 * owner). Stored with each event so a replay applies the same rule as live delivery.
 */
export const EVERYONE = 'everyone';
export const ADMINS = 'admins';
export const cameraAudience = (cameraId: number): string => `camera:${cameraId}`;
export const cameraIdOf = (audience: string): number | undefined => (audience.startsWith('camera:') ? Number(audience.slice('camera:'.length)) : undefined);
export const userAudience = (userId: number): string => `user:${userId}`;

export function audienceOf(event: DomainEvent): string[] {
  if (event.audience === 'everyone') return [EVERYONE];
  if (event.entity === null || event.audience === 'admins') return [ADMINS];
  switch (event.domain) {
    case 'camera':
      return [ADMINS, cameraAudience(event.entity)];
    case 'users':
      return [ADMINS, userAudience(event.entity)];
    case 'tokens':
      // A stream token's event goes to its owner, named in its details (the entity is the token).
      return typeof event.details.user_id === 'number' ? [ADMINS, userAudience(event.details.user_id)] : [ADMINS];
    case 'credentials':
    case 'system':
    case 'audit':
      return [ADMINS];
  }
}

/** The audiences a user belongs to: what they may see. */
export function audiencesOf(userId: number, role: Role, cameraIds: readonly number[]): string[] {
  return role === 'admin' ? [EVERYONE, ADMINS] : [EVERYONE, userAudience(userId), ...cameraIds.map(cameraAudience)];
}

/**
 * Socket.IO rooms are audience × topic pattern (`camera:3#camera:*`), so one `io.to(rooms)`
 * reaches exactly the sockets that may see an event and asked for it. A socket that never
 * subscribed sits in the `*` room of each of its audiences.
 */
const FEED_ROOM_SEPARATOR = '#';
export const feedRoom = (audience: string, pattern: TopicPattern): string => `${audience}${FEED_ROOM_SEPARATOR}${pattern}`;
export const isFeedRoom = (room: string): boolean => room.includes(FEED_ROOM_SEPARATOR);

export function feedRooms(audiences: readonly string[], patterns: readonly TopicPattern[] = [ALL_TOPICS]): string[] {
  return audiences.flatMap((audience) => patterns.map((pattern) => feedRoom(audience, pattern)));
}

/** The rooms an event goes to. */
export function deliveryRooms(audiences: readonly string[], domain: string, event: string): string[] {
  return feedRooms(audiences, patternsOf(domain, event));
}
