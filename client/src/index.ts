import { RelayClient } from './client.js';
import type { ClientOptions } from './options.js';
import { RestTransport } from './rest.js';
import { TokenKeeper } from './tokens.js';
import type { Tokens, UserView } from './types.js';

/**
 * Signs in (over REST when given a password), opens the socket and resolves once the first
 * `init` arrived and the subscription is in place. With `socket: false`, no socket: REST only.
 */
export async function createClient(options: ClientOptions): Promise<RelayClient> {
  const timeoutMs = options.requestTimeoutMs ?? 30_000;
  const rest = new RestTransport(options.url.replace(/\/+$/, ''), options.fetch ?? globalThis.fetch.bind(globalThis));
  let initial: Partial<Tokens> & { bearer: string; user?: UserView };
  if (options.username !== undefined && options.password !== undefined) {
    initial = (await rest.call('auth', 'create', undefined, { username: options.username, password: options.password }, null, timeoutMs)) as Tokens & { user: UserView };
  } else if (options.token !== undefined) {
    initial = { bearer: options.token, refresh: options.refresh };
  } else {
    throw new TypeError('createClient needs { username, password } or { token, refresh? }');
  }
  const client = new RelayClient(options, rest, new TokenKeeper(rest, initial, timeoutMs), initial.user);
  if (options.socket !== false) await client.connect();
  return client;
}

export { RelayClient, type ClientOptions };
export { RelayError } from './errors.js';
export { LiveCollection, type CameraItem, type CollectionName, type ItemOf } from './collections.js';
export type { CameraState } from './camera-states.js';
export type { Presence } from './presence.js';
export { COMMANDS, ERROR_STATUS, TOPIC_EVENTS } from './generated/index.js';
export type * from './types.js';
