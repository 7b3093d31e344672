import { Injectable } from '@nestjs/common';
import { MediaMtxApi } from './mediamtx-api.client.js';

/**
 * Which MediaMTX process the relay talks to, told apart by `/v3/info` `started`: the process
 * start time (`internal/core/core.go`, `var started = time.Now()`), so it changes with a restart,
 * which loses every path added through the API and every stream. Path sync looks before it
 * writes, so the relay knows the process its writes went to, and a restart after any write is
 * noticed by the next look, whoever takes it, and told once to every listener.
 */
@Injectable()
export class MediaMtxProcess {
  private started: string | null = null;
  private asked = 0;
  private answered = 0;
  private readonly listeners: Array<() => void> = [];

  constructor(private readonly api: MediaMtxApi) {}

  /** Called (not awaited) when a look finds that MediaMTX restarted since the previous one. */
  onRestart(listener: () => void): void {
    this.listeners.push(listener);
  }

  /** Reads `/v3/info` (throws when MediaMTX does not answer); true when MediaMTX restarted since the last look. */
  async look(): Promise<boolean> {
    const ticket = ++this.asked;
    const info = await this.api.info();
    if (info === null) return false;
    const { started } = info;
    // Overtaken by the answer to a later look: it may come from the process before a restart.
    if (ticket < this.answered) return false;
    this.answered = ticket;
    const restarted = this.started !== null && started !== this.started;
    this.started = started;
    if (restarted) for (const listener of this.listeners) listener();
    return restarted;
  }
}
