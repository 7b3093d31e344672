import type { Server as HttpServer, IncomingMessage } from 'node:http';
import type { INestApplicationContext } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import type { Server, ServerOptions } from 'socket.io';
import type { AppConfig } from '../../config/config.js';
import { coalesceWrites } from './coalesced-writes.js';
import { refuseOtherUpgrades, shapeEngineRefusals, ShapedWebSocketServer } from './engine-refusals.js';

export const MAX_SOCKET_MESSAGE_BYTES = 100_000;

/**
 * Browsers send an Origin; it must be the relay's own or one of CORS_ORIGINS. Clients that
 * send none (scripts, Home Assistant) are not browsers and cannot be tricked cross-site.
 */
export function originAllowed(origin: string | undefined, host: string | undefined, allowed: readonly string[]): boolean {
  if (!origin) return true;
  if (allowed.includes('*') || allowed.includes(origin)) return true;
  try {
    return host !== undefined && new URL(origin).host === host;
  } catch {
    return false;
  }
}

export class RelayIoAdapter extends IoAdapter {
  constructor(
    app: INestApplicationContext,
    private readonly config: AppConfig,
  ) {
    super(app);
  }

  override createIOServer(port: number, options?: ServerOptions): Server {
    const allowed = this.config.corsOrigins;
    const path = options?.path ?? '/socket.io';
    const server: Server = super.createIOServer(port, {
      ...options,
      path,
      serveClient: false,
      destroyUpgrade: false,
      maxHttpBufferSize: MAX_SOCKET_MESSAGE_BYTES,
      wsEngine: ShapedWebSocketServer,
      cors: { origin: allowed.includes('*') ? true : allowed, credentials: true },
      allowRequest: (request: IncomingMessage, callback: (err: string | null | undefined, success: boolean) => void) => {
        const ok = originAllowed(request.headers.origin, request.headers.host, allowed);
        callback(ok ? null : 'origin not allowed', ok);
      },
    } as ServerOptions);
    coalesceWrites(server.engine);
    shapeEngineRefusals(server.engine);
    if (this.httpServer) refuseOtherUpgrades(this.httpServer as HttpServer, path);
    return server;
  }
}
