import type { EventName, EventPayload, TopicPayload } from './types.js';

type Listener = (payload: never) => void;

/** Who listens to which event name; a throwing handler does not stop the others or the stream. */
export class Listeners {
  private readonly byName = new Map<string, Set<Listener>>();

  add<E extends EventName>(name: E, handler: (payload: EventPayload<E>) => void): () => void {
    const key = name === '*' ? 'nestmtx:*' : name;
    const set = this.byName.get(key) ?? new Set<Listener>();
    this.byName.set(key, set);
    set.add(handler);
    return () => {
      set.delete(handler);
    };
  }

  emit(name: string, payload: unknown): void {
    const set = this.byName.get(name);
    if (!set) return;
    for (const handler of [...set]) {
      try {
        (handler as (payload: unknown) => void)(payload);
      } catch (error) {
        // Surfaces as an uncaught error, without breaking delivery to the next handler.
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  }

  /** A topic event under its three names, as the server sends it. */
  emitTopic(event: TopicPayload): void {
    const exact = `${event.domain}:${event.event}`;
    this.emit(exact, event.domain === 'system' ? { ...event.details, ...event } : event);
    this.emit(`${event.domain}:*`, event);
    this.emit('nestmtx:*', event);
  }
}
