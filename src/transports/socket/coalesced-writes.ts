import type { Socket as TcpSocket } from 'node:net';
import type { Server } from 'socket.io';
import type { EngineConnection } from './engine-internals.js';

type EngineServer = Server['engine'];

function tcpSocketOf(conn: EngineConnection): TcpSocket | undefined {
  const transport = conn.transport;
  const tcp = transport?.name === 'websocket' ? transport.socket?._socket : undefined;
  return typeof tcp?.cork === 'function' ? tcp : undefined;
}

/**
 * When engine.io flushes several queued packets to a WebSocket at once, they go out in one
 * write instead of one per packet. Answers that pile up while a write is in flight (a client
 * with several requests outstanding) then cost one system call, not one each.
 *
 * engine.io announces a flush (`flush`) just before it hands the packets to the transport and
 * `drain` just after, synchronously: the TCP socket is corked in between. Should the transport
 * throw in between, the next tick uncorks it.
 */
export function coalesceWrites(engine: EngineServer): void {
  const corked = new Map<EngineConnection, TcpSocket>();
  const uncork = (conn: EngineConnection) => {
    const tcp = corked.get(conn);
    if (!tcp) return;
    corked.delete(conn);
    tcp.uncork();
  };
  engine.on('flush', (conn: EngineConnection, packets: unknown[]) => {
    if (packets.length < 2 || corked.has(conn)) return;
    const tcp = tcpSocketOf(conn);
    if (!tcp) return;
    tcp.cork();
    corked.set(conn, tcp);
    process.nextTick(uncork, conn);
  });
  engine.on('drain', uncork);
}
