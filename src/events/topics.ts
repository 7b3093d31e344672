/** Every topic event there is, by domain: what clients may subscribe to. */
export const TOPIC_EVENTS = {
  camera: ['demand', 'unDemand', 'ready', 'notReady', 'read', 'unread', 'extended', 'failed-extension', 'created', 'updated', 'deleted', 'state'],
  credentials: ['authenticated', 'reauthenticated', 'unauthenticated', 'created', 'updated', 'deleted'],
  users: ['created', 'updated', 'deleted', 'online', 'offline'],
  system: ['message'],
  audit: ['created'],
  tokens: ['created', 'revoked'],
} as const;

/** User events that say only who is connected: nothing about the user's access, name or tokens. */
const PRESENCE_EVENTS: readonly string[] = ['online', 'offline'];

/** The user an event changed (their name, role, grants or login), or null: presence changes nobody. */
export function changedUserOf(event: { domain: string; entity: number | null; event: string }): number | null {
  return event.domain === 'users' && event.entity !== null && !PRESENCE_EVENTS.includes(event.event) ? event.entity : null;
}

/** Camera events that change a camera's stream state (ready, readers), which is kept and sent on subscribing. */
export const CAMERA_STATUS_EVENTS: readonly string[] = ['ready', 'notReady', 'read', 'unread'];

export type TopicDomain = keyof typeof TOPIC_EVENTS;

/** Every event, every event of one domain, or one event: `*`, `camera:*`, `camera:ready`. */
export type TopicPattern = string;

export const ALL_TOPICS = '*';

/**
 * The canonical form of a topic a client names, or an explanation of what is wrong with it.
 * `nestmtx:*` (the NestMTX catch-all) means the same as `*`.
 */
export function parseTopic(topic: string): { pattern: TopicPattern } | { problem: string } {
  if (topic === ALL_TOPICS || topic === 'nestmtx:*') return { pattern: ALL_TOPICS };
  const [domain, event, ...rest] = topic.split(':');
  const domains = Object.keys(TOPIC_EVENTS);
  if (rest.length > 0 || event === undefined || !domains.includes(domain)) {
    return { problem: `must be "*", "<domain>:*" or "<domain>:<event>" with a domain of: ${domains.join(', ')}` };
  }
  const events: readonly string[] = TOPIC_EVENTS[domain as TopicDomain];
  if (event !== '*' && !events.includes(event)) return { problem: `${domain} has no event "${event}"; it has: ${events.join(', ')}` };
  return { pattern: topic };
}

/** The patterns an event matches, most specific last. */
export const patternsOf = (domain: string, event: string): TopicPattern[] => [ALL_TOPICS, `${domain}:*`, `${domain}:${event}`];

export function matchesAny(patterns: Iterable<TopicPattern>, domain: string, event: string): boolean {
  const wanted = new Set(patterns);
  return patternsOf(domain, event).some((pattern) => wanted.has(pattern));
}
