import type { Socket } from 'socket.io-client';

/** One event a socket received, in arrival order. */
export interface Received {
  event: string;
  payload: any;
}

/** Everything a socket receives from the moment this is called, with a way to wait for an event. */
export interface Recorder {
  socket: Socket;
  events: Received[];
  /** Position to take `since` from. */
  mark(): number;
  since(mark: number): Received[];
  /** Resolves with the first event after `from` that matches, waiting up to `ms`. */
  waitFor(match: (received: Received) => boolean, from?: number, ms?: number): Promise<Received>;
}

export function record(socket: Socket): Recorder {
  const events: Received[] = [];
  const waiters = new Set<() => void>();
  socket.onAny((event: string, payload: unknown) => {
    events.push({ event, payload });
    for (const waiter of [...waiters]) waiter();
  });
  return {
    socket,
    events,
    mark: () => events.length,
    since: (mark) => events.slice(mark),
    waitFor(match, from = 0, ms = 5000) {
      return new Promise((resolve, reject) => {
        const check = (): boolean => {
          const found = events.slice(from).find(match);
          if (!found) return false;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(found);
          return true;
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no matching event within ${ms} ms; received: ${JSON.stringify(events.slice(from).map((item) => item.event))}`));
        }, ms);
        waiters.add(check);
        check();
      });
    },
  };
}
