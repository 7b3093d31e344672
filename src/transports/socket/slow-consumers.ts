import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import type { Server, Socket } from 'socket.io';
import { APP_CONFIG, type AppConfig } from '../../config/config.js';
import { LOGGER } from '../../logging/logger.js';
import type { EngineConnection } from './engine-internals.js';

const CHECK_EVERY_MS = 500;

/** Bytes waiting to go out to a socket: engine.io's queue plus what the WebSocket holds. */
function pendingBytes(socket: Socket): number {
  const engine = socket.conn as unknown as EngineConnection;
  let bytes = engine.transport?.socket?.bufferedAmount ?? 0;
  for (const packet of engine.writeBuffer ?? []) {
    // A pre-encoded frame is what will be written; it may hold several events (EventBatch).
    const frame = packet.options?.wsPreEncodedFrame;
    const data = packet.data;
    if (frame) for (const part of frame) bytes += part.length;
    else bytes += typeof data === 'string' ? data.length : Buffer.isBuffer(data) ? data.length : 16;
  }
  return bytes;
}

/**
 * A socket that stops reading while events keep coming would hold an ever-growing queue;
 * past SOCKET_MAX_BUFFER_BYTES it is dropped, without waiting for the queue to drain.
 */
@Injectable()
export class SlowConsumers {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  watch(server: Server): void {
    this.timer = setInterval(() => this.check(server), CHECK_EVERY_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private check(server: Server): void {
    for (const socket of server.of('/').sockets.values()) {
      const bytes = pendingBytes(socket);
      if (bytes <= this.config.socketMaxBufferBytes) continue;
      this.logger.warn({ socket: socket.id, pendingBytes: bytes }, 'socket is not reading its events; disconnecting');
      const engine = socket.conn as unknown as EngineConnection;
      engine.close(true);
      engine.transport?.socket?.terminate?.();
    }
  }
}
