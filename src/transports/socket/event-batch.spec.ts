import { describe, expect, it } from '@jest/globals';
import { Server, type Socket } from 'socket.io';
import { EventBatch } from './event-batch.js';

// Never attached to an HTTP server: only its encoder and its default namespace are used.
const server = new Server();

interface Written {
  data: string;
  frames: Buffer[] | undefined;
}

/** A socket whose engine.io connection records what it is asked to write. */
function fakeSocket(transport: 'websocket' | 'polling', connected = true) {
  const written: Written[] = [];
  const conn = {
    readyState: 'open',
    transport: { name: transport, perMessageDeflate: null, socket: transport === 'websocket' ? { _sender: { sendFrame: () => undefined } } : undefined },
    write: (data: string, options: { wsPreEncodedFrame?: Buffer[] }) => written.push({ data, frames: options.wsPreEncodedFrame }),
  };
  return { socket: { connected, conn } as unknown as Socket, written };
}

/** The text messages in back-to-back unmasked WebSocket frames (payloads under 64 KiB). */
function textMessages(bytes: Buffer): string[] {
  const messages: string[] = [];
  for (let at = 0; at < bytes.length; ) {
    expect(bytes[at]).toBe(0x81); // FIN, text
    let length = bytes[at + 1];
    let start = at + 2;
    if (length === 126) {
      length = bytes.readUInt16BE(at + 2);
      start = at + 4;
    }
    messages.push(bytes.toString('utf8', start, start + length));
    at = start + length;
  }
  return messages;
}

const EVENTS: Array<[string, unknown]> = [
  ['camera:updated', { entity: 3, details: { name: 'Porch ☂' } }],
  ['camera:*', { entity: 3, details: { name: 'Porch ☂', long: 'x'.repeat(300) } }],
  ['nestmtx:*', { entity: 3 }],
];

describe('EventBatch', () => {
  it('writes every event to a WebSocket in one packet whose frames are the events’ own messages, in order', () => {
    const { socket, written } = fakeSocket('websocket');
    EventBatch.encode(server, EVENTS).sendTo(socket);
    expect(written).toHaveLength(1);
    expect(written[0].frames).toHaveLength(1);
    expect(textMessages(written[0].frames![0])).toEqual(EVENTS.map((event) => `42${JSON.stringify(event)}`));
  });

  it('writes the events one by one to any other transport', () => {
    const { socket, written } = fakeSocket('polling');
    EventBatch.encode(server, EVENTS).sendTo(socket);
    expect(written).toEqual(EVENTS.map((event) => ({ data: `2${JSON.stringify(event)}`, frames: undefined })));
  });

  it('writes nothing to a socket that has disconnected', () => {
    const { socket, written } = fakeSocket('websocket', false);
    EventBatch.encode(server, EVENTS).sendTo(socket);
    expect(written).toEqual([]);
  });

  it('reaches a socket in several of the rooms once', () => {
    const first = fakeSocket('websocket');
    const second = fakeSocket('polling');
    const namespace = server.of('/');
    namespace.sockets.set('first', first.socket);
    namespace.sockets.set('second', second.socket);
    namespace.adapter.rooms.set('a', new Set(['first', 'second']));
    namespace.adapter.rooms.set('b', new Set(['first', 'gone']));
    try {
      EventBatch.encode(server, EVENTS).broadcast(server, ['a', 'b', 'nobody']);
      expect(first.written).toHaveLength(1);
      expect(second.written).toHaveLength(3);
    } finally {
      namespace.sockets.clear();
      namespace.adapter.rooms.clear();
    }
  });
});
