import type { Socket } from 'socket.io-client';
import { errorFromBody, isErrorBody, RelayError } from './errors.js';

interface Pending {
  resolve(answer: unknown): void;
  reject(error: RelayError): void;
  timer: ReturnType<typeof setTimeout>;
  /** Sent on a live connection: its answer is lost if that connection drops. */
  sent: boolean;
}

/** Requests over the socket, each answered on the event its requestId names, or timed out. */
export class SocketRequests {
  private readonly pending = new Map<string, Pending>();
  private readonly prefix = `c${Math.random().toString(36).slice(2, 10)}-`;
  private counter = 0;

  send(socket: Socket, module: string, command: string, entity: unknown, payload: unknown, timeoutMs: number): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const requestId = `${this.prefix}${++this.counter}`;
      const timer = setTimeout(() => {
        this.pending.delete(requestId);
        reject(new RelayError('timeout', `${module} ${command} got no answer within ${timeoutMs} ms`, 0, [], { module, command, requestId }));
      }, timeoutMs);
      // While disconnected, socket.io-client keeps the emit and sends it on the next connection.
      this.pending.set(requestId, { resolve, reject, timer, sent: socket.connected });
      socket.emit('request', { module, command, requestId, entity, payload });
    });
  }

  /** Settles the request the event answers; false when the event answers none. */
  answer(event: string, answer: unknown): boolean {
    const pending = this.pending.get(event);
    if (!pending) return false;
    this.finish(event, pending);
    if (isErrorBody(answer)) pending.reject(errorFromBody(answer));
    else pending.resolve(answer);
    return true;
  }

  /** A connection is up: what waited for it has been sent on it. */
  connected(): void {
    for (const pending of this.pending.values()) pending.sent = true;
  }

  /** The connection dropped: the answers to what was sent on it will not come. */
  dropped(reason: string): void {
    for (const [requestId, pending] of this.pending) {
      if (!pending.sent) continue;
      this.finish(requestId, pending);
      pending.reject(new RelayError('network', `the connection dropped (${reason}) before the answer came`, 0));
    }
  }

  rejectAll(error: RelayError): void {
    for (const [requestId, pending] of this.pending) {
      this.finish(requestId, pending);
      pending.reject(error);
    }
  }

  private finish(requestId: string, pending: Pending): void {
    clearTimeout(pending.timer);
    this.pending.delete(requestId);
  }
}
