import type { Leadership } from './leadership.service.js';

/**
 * Runs `work` on the instance that runs the background work: at once when it takes the lead,
 * then every `everyMs` while it keeps it; never two runs at once. `work` handles its own errors.
 */
export class LeaderInterval {
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly leadership: Leadership,
    private readonly everyMs: number,
    private readonly work: () => Promise<unknown>,
  ) {}

  start(): void {
    this.leadership.onChange((leader) => (leader ? this.schedule(0) : clearTimeout(this.timer)));
    if (this.leadership.isLeader()) this.schedule(0);
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private schedule(delayMs: number): void {
    clearTimeout(this.timer);
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      void this.work().finally(() => {
        if (this.leadership.isLeader()) this.schedule(this.everyMs);
      });
    }, delayMs);
    this.timer.unref();
  }
}
