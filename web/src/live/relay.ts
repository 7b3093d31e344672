import { signal } from '@preact/signals';
import { createClient, type ConnectionState, type RelayClient } from '@mtx-relay/client';
import { signedOut, tokensRefreshed, type Tokens } from '../session';

/** The live connection of the signed-in user, once it is up. */
export const relay = signal<RelayClient | null>(null);
/** Whether the socket is up: the reconnect banner shows otherwise. */
export const connection = signal<ConnectionState>('connecting');
/**
 * Who is online (admins): from each reconnect's `init` and the presence events, counted from the
 * moment the connection opened. The client does not keep the first `init`, so until someone comes
 * or goes this knows only the signed-in user.
 */
export const online = signal(new Set<number>());
/** Why the connection could not be opened, in words. */
export const connectError = signal('');

/** Opens the live connection for these tokens; returns the function that closes it. */
export function connect(tokens: Tokens): () => void {
  let client: RelayClient | null = null;
  let stopped = false;
  connectError.value = '';
  createClient({ url: location.origin, token: tokens.bearer, refresh: tokens.refresh, socketOptions: { transports: ['websocket'] } }).then(
    (created) => {
      if (stopped) return created.close();
      client = created;
      // The client refreshes the tokens in place; the page keeps the newest refresh token for a reload.
      created.on('tokens', (fresh) => tokensRefreshed({ bearer: fresh.bearer, refresh: fresh.refresh, expiration: fresh.expiration, user: tokens.user }));
      created.on('revoked', ({ reason }) => signedOut(`Your session ended (${reason}). Sign in again.`));
      created.on('connection', ({ state }) => {
        connection.value = state;
      });
      online.value = new Set([tokens.user.id]);
      created.on('init', (init) => (online.value = new Set([tokens.user.id, ...(init.usersOnline ?? []).map((user) => user.id)])));
      created.on('users:online', (event) => {
        if (event.entity !== null) online.value = new Set([...online.value, event.entity]);
      });
      created.on('users:offline', (event) => {
        const next = new Set(online.value);
        next.delete(event.entity ?? -1);
        online.value = next;
      });
      connection.value = created.state;
      relay.value = created;
    },
    (error: Error & { code?: string }) => {
      if (stopped) return;
      if (error.code === 'unauthorized' || error.code === 'token_expired') signedOut(`Your session ended (${error.message}). Sign in again.`);
      else connectError.value = error.message;
    },
  );
  return () => {
    stopped = true;
    client?.close();
    relay.value = null;
  };
}
