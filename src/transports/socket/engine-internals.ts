import type { Socket as TcpSocket } from 'node:net';

/** Options engine.io takes with a packet it is to write; `wsPreEncodedFrame` is what goes out as it is. */
export type WriteOptions = { preEncoded: true; wsPreEncodedFrame?: Buffer[] };

/**
 * What the relay uses of engine.io's connection and of its WebSocket transport, which engine.io
 * leaves untyped: the same fields Socket.IO's own broadcast relies on. socket.io is pinned;
 * check these (event-batch.spec.ts and the transport e2e tests do) when upgrading it.
 */
export interface EngineConnection {
  readyState: string;
  /** Packets queued while the transport is not writable. */
  writeBuffer?: Array<{ data?: unknown; options?: WriteOptions }>;
  transport?: {
    name?: string;
    perMessageDeflate?: unknown;
    /** ws's WebSocket, on the `websocket` transport. */
    socket?: {
      bufferedAmount?: number;
      terminate?: () => void;
      _sender?: { sendFrame?: unknown };
      _socket?: TcpSocket;
    };
  };
  write(data: string, options: WriteOptions): void;
  close(discard?: boolean): void;
}
