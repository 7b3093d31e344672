import { connect, createServer, type Server, type Socket } from 'node:net';

/** A TCP proxy on 127.0.0.1 in front of a server, the ground of the tests' proxies. */
export interface TcpProxy {
  port: number;
  /** Drops every open connection (both sides). */
  dropAll(): void;
  close(): Promise<void>;
}

/**
 * Listens on an ephemeral port of 127.0.0.1 and joins each connection to `host:port`: `join`
 * gets the accepted socket and the one to the server (already piped client to server) and pipes
 * the answers back its own way; `null` from `accept` refuses the connection. Either side
 * closing or failing ends the other.
 */
export async function startTcpProxy(
  host: string,
  port: number,
  join: (client: Socket, server: Socket) => void = (client, server) => void server.pipe(client),
  accept: () => boolean = () => true,
): Promise<TcpProxy> {
  const open = new Set<Socket>();
  const proxy: Server = createServer((client) => {
    if (!accept()) return void client.destroy();
    const server = connect(port, host);
    client.pipe(server);
    join(client, server);
    for (const [one, other] of [[client, server], [server, client]] as const) {
      open.add(one);
      one.on('error', () => other.destroy());
      one.on('close', () => {
        open.delete(one);
        other.destroy();
      });
    }
  });
  await new Promise<void>((listening) => proxy.listen(0, '127.0.0.1', listening));
  const dropAll = (): void => {
    for (const socket of open) socket.destroy();
  };
  return {
    port: (proxy.address() as { port: number }).port,
    dropAll,
    async close() {
      dropAll();
      await new Promise<void>((closed) => proxy.close(() => closed()));
    },
  };
}
