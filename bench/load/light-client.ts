/**
 * A minimal Socket.IO 4 client (Engine.IO v4 over a WebSocket, default namespace, text packets
 * only) for the load generator. socket.io-client parses every packet into objects and would
 * saturate the load generator's core long before the server's; this one hands each event to
 * its listener as the raw text frame, so a listener reads only what it needs.
 *
 * Packets: engine.io `0` open, `2` ping (answered `3`), `4` message; socket.io inside a
 * message: `0` CONNECT (with auth), `2` EVENT `["name",...args]`, `4` CONNECT_ERROR, `1` DISCONNECT.
 */
import WebSocket from 'ws';

export type EventListener = (name: string, frame: string, bodyStart: number) => void;

export class LightSocket {
  private listener: EventListener | undefined;
  /** Names of the events handed to the listener; undefined: all. */
  private wanted: ReadonlySet<string> | undefined;
  private closed = false;

  private constructor(private readonly ws: WebSocket) {}

  /** Connects and authenticates with `auth.token`; rejects with the server's connect_error message. */
  static connect(url: string, token: string, timeoutMs = 120_000): Promise<LightSocket> {
    const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/socket.io/?EIO=4&transport=websocket`, { perMessageDeflate: false, skipUTF8Validation: true });
    const socket = new LightSocket(ws);
    return new Promise((resolve, reject) => {
      let settled = false;
      const fail = (error: Error) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        socket.close();
        reject(error);
      };
      const timer = setTimeout(() => fail(new Error('connect timeout')), timeoutMs);
      ws.on('error', (error) => fail(error));
      ws.on('close', () => {
        socket.closed = true;
        fail(new Error('closed before connecting'));
      });
      ws.on('message', (data: Buffer, isBinary: boolean) => {
        if (isBinary) return;
        const type = data[0];
        if (type === 50 /* 2 ping */) return void ws.send('3');
        if (type === 48 /* 0 open */) return void ws.send(`40${JSON.stringify({ token })}`);
        if (type !== 52 /* 4 message */) return;
        const packet = data[1];
        if (packet === 50 /* 2 event */) {
          // 42["name",body]: the name ends at the next quote (the benchmark's names have no escapes).
          // Only events the listener wants are decoded whole: on a 5,000-socket fan-out the load
          // generator's own CPU decides how late the last sockets read their events.
          if (data[2] !== 91 /* [ */ || data[3] !== 34 /* " */) return;
          const end = data.indexOf(34 /* " */, 4);
          const name = data.toString('latin1', 4, end);
          if (socket.wanted && !socket.wanted.has(name)) return;
          socket.listener?.(name, data.toString(), end + 2);
        } else if (packet === 48 /* 0 connect */) {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          resolve(socket);
        } else if (packet === 52 /* 4 connect_error */) {
          let message = data.toString('utf8', 2);
          try {
            const body = JSON.parse(message) as { message?: string; data?: { code?: string } };
            message = `${body.message ?? 'connect_error'}${body.data?.code ? ` (${body.data.code})` : ''}`;
          } catch {
            // keep the raw text
          }
          fail(new Error(message));
        }
      });
    });
  }

  /**
   * One listener for every event (or only those named in `only`): its name, the whole frame,
   * and where its first argument starts.
   */
  onEvent(listener: EventListener, only?: readonly string[]): void {
    this.listener = listener;
    this.wanted = only ? new Set(only) : undefined;
  }

  emit(event: string, ...args: unknown[]): void {
    if (!this.closed) this.ws.send(`42${JSON.stringify([event, ...args])}`);
  }

  close(): void {
    this.closed = true;
    this.ws.terminate();
  }
}
