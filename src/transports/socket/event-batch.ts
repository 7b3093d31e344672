import type { Server, Socket } from 'socket.io';
import * as ws from 'ws';
import type { EngineConnection, WriteOptions } from './engine-internals.js';

/** Socket.IO's EVENT packet type. */
const EVENT = 2;
/** Engine.IO's `message` packet type, in front of every Socket.IO packet. */
const ENGINE_MESSAGE = '4';
/** An unmasked, uncompressed, final text frame, as a server sends it. */
const TEXT_FRAME = { readOnly: false, mask: false, rsv1: false, opcode: 1, fin: true };

/** ws's frame encoder (public in ws, though its typings leave it out). */
const { Sender } = ws as unknown as { Sender: { frame(data: Buffer, options: typeof TEXT_FRAME): Buffer[] } };


/**
 * Whether engine.io will write a packet's pre-encoded WebSocket frame as it is: the same test
 * engine.io's WebSocket transport makes before it sends one, and a transport never changes once
 * it is a WebSocket.
 */
function writesFramesAsGiven(conn: EngineConnection): boolean {
  const transport = conn.transport;
  return transport?.name === 'websocket' && !transport.perMessageDeflate && typeof transport.socket?._sender?.sendFrame === 'function';
}

/**
 * Events encoded once for every socket they go to, and sent to each socket in one write.
 *
 * Socket.IO's own emit writes every event to every socket on its own: a fan-out of the three
 * names of a topic event cost three system calls per socket, the largest part of its CPU. On a
 * WebSocket connection a batch hands engine.io one packet whose pre-encoded frame is all the
 * events' frames back to back, so the client still receives each event as its own message. Any
 * other transport (long polling) gets the events one by one, as emit would send them.
 */
export class EventBatch {
  /** One options object for every socket, as Socket.IO's broadcast does (engine.io only sets `compress` on it). */
  private readonly framed: WriteOptions | undefined;
  private readonly separate: WriteOptions = { preEncoded: true };

  private constructor(
    private readonly events: ReadonlyArray<readonly [string, unknown]>,
    /** Each event as Socket.IO encodes it for the default namespace; undefined if one needs binary attachments. */
    private readonly packets: string[] | undefined,
    frames: Buffer | undefined,
  ) {
    this.framed = frames && { preEncoded: true, wsPreEncodedFrame: [frames] };
  }

  static encode(server: Server, events: ReadonlyArray<readonly [string, unknown]>): EventBatch {
    const packets: string[] = [];
    for (const [name, payload] of events) {
      const encoded = server.encoder.encode({ type: EVENT, nsp: '/', data: [name, payload] }) as unknown[];
      if (encoded.length !== 1 || typeof encoded[0] !== 'string') return new EventBatch(events, undefined, undefined);
      packets.push(encoded[0]);
    }
    const frames = Buffer.concat(packets.flatMap((packet) => Sender.frame(Buffer.from(ENGINE_MESSAGE + packet), TEXT_FRAME)));
    return new EventBatch(events, packets, frames);
  }

  sendTo(socket: Socket): void {
    if (!socket.connected) return;
    const conn = socket.conn as unknown as EngineConnection;
    if (conn.readyState !== 'open') return;
    if (this.packets === undefined || this.framed === undefined) {
      for (const [name, payload] of this.events) socket.emit(name, payload);
    } else if (writesFramesAsGiven(conn)) {
      // The packet's data is only what engine.io would fall back to; the frames are what is written.
      conn.write(this.packets[0], this.framed);
    } else {
      for (const packet of this.packets) conn.write(packet, this.separate);
    }
  }

  /** Sends the batch once to every socket in any of the rooms; returns how many sockets that was. */
  broadcast(server: Server, rooms: readonly string[]): number {
    const namespace = server.of('/');
    const sent = new Set<string>();
    for (const room of rooms) {
      const members = namespace.adapter.rooms.get(room);
      if (!members) continue;
      for (const id of members) {
        if (sent.has(id)) continue;
        sent.add(id);
        const socket = namespace.sockets.get(id);
        if (socket) this.sendTo(socket);
      }
    }
    return sent.size;
  }
}
