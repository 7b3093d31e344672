import { Inject, Injectable } from '@nestjs/common';
import { DomainError } from '../common/errors.js';
import { APP_CONFIG, type AppConfig } from '../config/config.js';

/**
 * Whether the server takes requests, and how many it is still answering. Both transports count
 * each request in on arrival and out once its answer is written; on shutdown the gate refuses
 * new ones (`unavailable`) and `drain` waits for those in flight.
 */
@Injectable()
export class RequestGate {
  private accepting = true;
  private inFlight = 0;
  private readonly drained = new Set<() => void>();
  private readonly closingListeners: Array<() => void> = [];

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  get open(): boolean {
    return this.accepting;
  }

  /** Counts a request in; false once shutdown began. Every `true` is followed by one `leave`. */
  enter(): boolean {
    if (!this.accepting) return false;
    this.inFlight += 1;
    return true;
  }

  /** The request's answer has been written. */
  leave(): void {
    this.inFlight -= 1;
    // After the current tick: the writes and promise callbacks that follow the answer run first.
    if (this.inFlight === 0 && !this.accepting) setImmediate(() => this.settle());
  }

  /** The refusal for a request that came after shutdown began. */
  shuttingDown(): DomainError {
    return new DomainError('unavailable', 'the server is shutting down; try again shortly', [{ retryAfterMs: this.config.shutdownReconnectAfterMs }]);
  }

  /** `listener` runs once, when the gate closes. */
  onClosing(listener: () => void): void {
    this.closingListeners.push(listener);
  }

  /**
   * Refuses every new request from now on. Resolves with 0 once the requests in flight have been
   * answered, or after `limitMs` with how many still were not.
   */
  async drain(limitMs: number): Promise<number> {
    if (this.accepting) {
      this.accepting = false;
      for (const listener of this.closingListeners) listener();
    }
    if (this.inFlight === 0) return 0;
    await new Promise<void>((resolve) => {
      const finish = () => {
        clearTimeout(timer);
        this.drained.delete(finish);
        resolve();
      };
      const timer = setTimeout(finish, limitMs);
      this.drained.add(finish);
    });
    return this.inFlight;
  }

  private settle(): void {
    if (this.inFlight !== 0) return;
    for (const finish of [...this.drained]) finish();
  }
}
