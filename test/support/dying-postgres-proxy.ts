import type { Socket } from 'node:net';
import { startTcpProxy } from './tcp-proxy.js';

/** A TCP proxy on 127.0.0.1 in front of PostgreSQL that can make the server look as if it died. */
export interface DyingPostgresProxy {
  /** `databaseUrl` with the proxy's address. */
  url: string;
  /**
   * Drops every connection, and ends each new one as a PostgreSQL killed just as it accepted it
   * does: its ReadyForQuery and its FATAL "unexpected postmaster exit" in one packet, until `heal`.
   */
  die(): void;
  heal(): void;
  close(): Promise<void>;
}

/** ErrorResponse: severity, code, message, each a one-letter field ended by a zero byte. */
function fatal(code: string, message: string): Buffer {
  const fields = Buffer.concat([...[['S', 'FATAL'], ['V', 'FATAL'], ['C', code], ['M', message]].map(([key, value]) => Buffer.from(`${key}${value}\0`)), Buffer.from([0])]);
  const header = Buffer.alloc(5);
  header.write('E', 0);
  header.writeInt32BE(fields.length + 4, 1);
  return Buffer.concat([header, fields]);
}

const POSTMASTER_EXIT = fatal('57P01', 'terminating connection due to unexpected postmaster exit');

/**
 * Passes what the server says on, message by message, until its first ReadyForQuery; that one goes
 * out with the FATAL after it, and the connection ends.
 */
function endAfterReady(server: Socket, client: Socket): void {
  let pending = Buffer.alloc(0);
  server.on('data', (chunk: Buffer) => {
    pending = Buffer.concat([pending, chunk]);
    let offset = 0;
    while (pending.length - offset >= 5) {
      const end = offset + 1 + pending.readInt32BE(offset + 1);
      if (end > pending.length) break;
      if (String.fromCharCode(pending[offset]) === 'Z') {
        client.end(Buffer.concat([pending.subarray(0, end), POSTMASTER_EXIT]));
        server.destroy();
        return;
      }
      offset = end;
    }
    client.write(pending.subarray(0, offset));
    pending = pending.subarray(offset);
  });
}

export async function startDyingPostgresProxy(databaseUrl: string): Promise<DyingPostgresProxy> {
  const target = new URL(databaseUrl);
  let dying = false;
  const proxy = await startTcpProxy(target.hostname, Number(target.port), (client, server) => {
    if (dying) endAfterReady(server, client);
    else server.pipe(client);
  });
  const url = new URL(databaseUrl);
  url.port = String(proxy.port);
  return {
    url: url.toString(),
    die() {
      dying = true;
      proxy.dropAll();
    },
    heal() {
      dying = false;
    },
    close: () => proxy.close(),
  };
}
