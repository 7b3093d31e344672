import type { Socket } from 'socket.io';

type Handshake = Socket['handshake'];
import { bearerToken } from '../../common/bearer.js';

const first = (value: unknown): string | undefined => {
  const candidate = Array.isArray(value) ? (value[0] as unknown) : value;
  return typeof candidate === 'string' && candidate !== '' ? candidate : undefined;
};

/** The access token a socket presents: `auth.token`, an `Authorization: Bearer` header, or `?token=`. */
export function handshakeToken(handshake: Pick<Handshake, 'auth' | 'headers' | 'query'>): string | undefined {
  return (
    first((handshake.auth as Record<string, unknown> | undefined)?.token) ??
    bearerToken(first(handshake.headers.authorization)) ??
    first(handshake.query.token)
  );
}
