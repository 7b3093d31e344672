import { signal } from '@preact/signals';
import { createClient, type ConnectionState, type RelayClient } from '@mtx-relay/client';
import { signedOut, tokensRefreshed, type Tokens } from '../session';

/** The live connection of the signed-in user, once it is up. */
export const relay = signal<RelayClient | null>(null);
/** Whether the socket is up: the reconnect banner shows otherwise. */
export const connection = signal<ConnectionState>('connecting');
/** Who is online (admins), as the client's presence keeps it from `init` and the presence events. */
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
      const showOnline = (): void => {
        online.value = new Set(created.online.users.map((user) => user.id));
      };
      showOnline();
      created.online.onChange(showOnline);
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
