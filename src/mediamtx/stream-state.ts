import { Injectable } from '@nestjs/common';

interface PathState {
  available: boolean;
  demanded: boolean;
  demandedAt: number;
  readers: Set<string>;
}

// MediaMTX gives up on an on-demand source that does not start (sourceOnDemandStartTimeout, 10 s
// by default) without any hook; after this long a new read attempt counts as a new demand.
const DEMAND_EXPIRES_MS = 15_000;

/**
 * What the relay has learnt from MediaMTX's hooks, per path. Hooks can arrive twice or out of
 * order; every change here is idempotent (a set of readers, flags), so counts never go negative.
 */
@Injectable()
export class StreamState {
  private readonly paths = new Map<string, PathState>();

  private state(path: string): PathState {
    let state = this.paths.get(path);
    if (!state) {
      state = { available: false, demanded: false, demandedAt: 0, readers: new Set() };
      this.paths.set(path, state);
    }
    return state;
  }

  setAvailable(path: string, available: boolean): void {
    const state = this.state(path);
    state.available = available;
    if (!available) state.demanded = false;
    this.forgetIfIdle(path, state);
  }

  isAvailable(path: string): boolean {
    return this.paths.get(path)?.available ?? false;
  }

  /** True when this is the first demand since the path was last idle. */
  demand(path: string, now = Date.now()): boolean {
    const state = this.state(path);
    if (state.available || (state.demanded && now - state.demandedAt < DEMAND_EXPIRES_MS)) return false;
    state.demanded = true;
    state.demandedAt = now;
    return true;
  }

  addReader(path: string, readerId: string): number {
    const state = this.state(path);
    state.readers.add(readerId);
    return state.readers.size;
  }

  /** Removes a reader (unknown ones are ignored); says whether that left the path without readers. */
  removeReader(path: string, readerId: string): { readers: number; lastLeft: boolean } {
    const state = this.paths.get(path);
    if (!state || !state.readers.delete(readerId)) return { readers: state?.readers.size ?? 0, lastLeft: false };
    const lastLeft = state.readers.size === 0;
    if (lastLeft) state.demanded = false;
    this.forgetIfIdle(path, state);
    return { readers: state.readers.size, lastLeft };
  }

  readers(path: string): number {
    return this.paths.get(path)?.readers.size ?? 0;
  }

  private forgetIfIdle(path: string, state: PathState): void {
    if (!state.available && !state.demanded && state.readers.size === 0) this.paths.delete(path);
  }
}
