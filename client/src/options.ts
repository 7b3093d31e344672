import type { ManagerOptions, SocketOptions } from 'socket.io-client';
import type { TopicName } from './types.js';

export interface ClientOptions {
  /** The relay's base URL, e.g. `https://relay.example.com`. */
  url: string;
  username?: string;
  password?: string;
  /** An access token (with `refresh`, the client keeps it fresh). */
  token?: string;
  refresh?: string;
  /** `false`: REST only, no socket (scripts). Requests then go over HTTP and `on` hears nothing. */
  socket?: boolean;
  /** What the socket subscribes to (default every topic the user may see). */
  topics?: TopicName[];
  requestTimeoutMs?: number;
  /** How long `createClient` waits for the first `init`. */
  connectTimeoutMs?: number;
  reconnectDelayMs?: number;
  reconnectDelayMaxMs?: number;
  fetch?: typeof fetch;
  /** Passed to socket.io-client (e.g. `transports: ['websocket']`). */
  socketOptions?: Partial<ManagerOptions & SocketOptions>;
}
