import type { TopicPayload } from './types.js';

// Unnumbered events (the database was down) go last, in arrival order.
const bySeq = (a: TopicPayload, b: TopicPayload): number => (a.seq === null || b.seq === null ? Number(a.seq === null) - Number(b.seq === null) : a.seq - b.seq);

/**
 * Topic events in seq order, each once. While the socket (re)subscribes, events are held: live
 * ones can arrive before the replay of older ones, so the held events are sorted before they
 * are handed on. Retained state (a snapshot) and events the server could not number pass as
 * they are.
 */
export class EventStream {
  /** The last seq handed on: where a resume starts. */
  private last: number | null = null;
  private holding = true;
  private held: TopicPayload[] = [];

  constructor(private readonly deliver: (event: TopicPayload) => void) {}

  get lastSeq(): number | null {
    return this.last;
  }

  receive(event: TopicPayload): void {
    if (this.holding) this.held.push(event);
    else this.pass(event);
  }

  /** The connection dropped: hold what the next one brings until it has resubscribed. */
  hold(): void {
    this.holding = true;
    this.held = [];
  }

  /**
   * Resubscribed: hand on what was held, in order. `baseline` is where a fresh connection's
   * live events start (its `init` seq); it is the resume point when nothing was handed on yet,
   * or after `gone` (`restart`), when the old position means nothing any more.
   */
  release(baseline: number, restart = false): void {
    if (restart || this.last === null) this.last = baseline;
    const retained = this.held.filter((event) => event.retained);
    const numbered = this.held.filter((event) => !event.retained).sort(bySeq);
    this.held = [];
    this.holding = false;
    for (const event of [...retained, ...numbered]) this.pass(event);
  }

  private pass(event: TopicPayload): void {
    if (!event.retained && event.seq !== null) {
      if (this.last !== null && event.seq <= this.last) return;
      this.last = event.seq;
    }
    this.deliver(event);
  }
}
