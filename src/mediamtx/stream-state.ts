import { Injectable } from '@nestjs/common';

interface ReaderEntry {
  type: string | null;
  /** Stamp of the change that added it. */
  seq: number;
}

interface PathState {
  available: boolean;
  /** Stamp of the last change of `available`. */
  availableSeq: number;
  demanded: boolean;
  demandedAt: number;
  readers: Map<string, ReaderEntry>;
}

/** What MediaMTX's own lists say about a path (`/v3/paths/list` or `/v3/paths/get`). */
export interface PathTruth {
  available: boolean;
  source: { type: string; id: string } | null;
  readers: Array<{ type: string; id: string }>;
}

/** What a reconciliation changed, for the events that tell it. */
export interface StreamCorrections {
  /** The new readiness, when it changed. */
  available: boolean | null;
  added: Array<{ type: string; id: string }>;
  removed: Array<{ type: string | null; id: string }>;
  /** The removals left the path without readers. */
  lastLeft: boolean;
  /** Listed readers whose `read` hook may still be on its way: ask again in READ_HOOK_GRACE_MS. */
  waiting: boolean;
}

// MediaMTX gives up on an on-demand source that does not start (sourceOnDemandStartTimeout, 10 s
// by default) without any hook; after this long a new read attempt counts as a new demand.
const DEMAND_EXPIRES_MS = 15_000;
// A `read` can land after its `unread` (MediaMTX interrupts runOnRead when the reader leaves and
// starts runOnUnread at once): ended readers are remembered long enough to ignore it.
const ENDED_KEEP_MS = 10 * 60_000;
const ENDED_MAX = 50_000;
// MediaMTX starts runOnRead as it adds the reader (internal/hooks/on_read.go), but the hook is a
// wget of its own that can land seconds later on a loaded host. A reader that MediaMTX lists and
// no hook has told of is announced by the reconciler only once it has been listed this long: the
// hook carries what the list does not (the query), so it gets the chance to announce it first.
export const READ_HOOK_GRACE_MS = 5000;

/**
 * What the relay has learnt from MediaMTX's hooks, per path. Hooks arrive twice, out of order or
 * not at all, so every change is idempotent, a reader that left stays gone when its `read` comes
 * late, and MediaMTX's own lists have the last word (`reconcile`). Every change is stamped with a
 * sequence number, so that an answer from MediaMTX only overrides what was known before it was
 * asked for.
 */
@Injectable()
export class StreamState {
  private readonly paths = new Map<string, PathState>();
  private readonly ended = new Map<string, { at: number; seq: number }>();
  /** Readers MediaMTX listed before any hook told of them: when they were first listed. */
  private readonly unheard = new Map<string, { path: string; at: number }>();
  /** When idle paths were dropped, so a stale answer from MediaMTX does not bring their readiness back. */
  private readonly forgotten = new Map<string, number>();
  private seq = 0;

  /** Take before asking MediaMTX; pass to `reconcile` with its answer. */
  mark(): number {
    return this.seq;
  }

  private state(path: string): PathState {
    let state = this.paths.get(path);
    if (!state) {
      state = { available: false, availableSeq: this.forgotten.get(path) ?? 0, demanded: false, demandedAt: 0, readers: new Map() };
      this.paths.set(path, state);
    }
    return state;
  }

  /** Says whether this changed the path's readiness. */
  setAvailable(path: string, available: boolean): boolean {
    const state = this.state(path);
    const changed = state.available !== available;
    state.available = available;
    state.availableSeq = ++this.seq;
    if (!available) state.demanded = false;
    this.forgetIfIdle(path, state);
    return changed;
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

  /** `added`, `known` (a repeated hook), or `ended`: the reader already left, this `read` came late. */
  addReader(path: string, readerId: string, type: string | null = null): 'added' | 'known' | 'ended' {
    this.unheard.delete(readerId);
    if (this.hasEnded(readerId)) return 'ended';
    const state = this.state(path);
    if (state.readers.has(readerId)) return 'known';
    state.readers.set(readerId, { type, seq: ++this.seq });
    return 'added';
  }

  /** Removes a reader and remembers that it left; says whether it was known and whether that left the path without readers. */
  removeReader(path: string, readerId: string): { removed: boolean; readers: number; lastLeft: boolean } {
    this.unheard.delete(readerId);
    this.remember(readerId);
    const state = this.paths.get(path);
    if (!state || !state.readers.delete(readerId)) return { removed: false, readers: state?.readers.size ?? 0, lastLeft: false };
    const lastLeft = state.readers.size === 0;
    if (lastLeft) state.demanded = false;
    this.forgetIfIdle(path, state);
    return { removed: true, readers: state.readers.size, lastLeft };
  }

  readers(path: string): number {
    return this.paths.get(path)?.readers.size ?? 0;
  }

  /** Every path the state knows something about. */
  knownPaths(): string[] {
    return [...this.paths.keys()];
  }

  /**
   * Brings a path in line with what MediaMTX said when asked at `since` (from `mark`). What
   * changed after that (a hook that came meanwhile) is newer than the answer and stays. A listed
   * reader no hook has told of is added only once it has been listed for READ_HOOK_GRACE_MS.
   */
  reconcile(path: string, truth: PathTruth, since: number, now = Date.now()): StreamCorrections {
    const corrections: StreamCorrections = { available: null, added: [], removed: [], lastLeft: false, waiting: false };
    const listed = new Map(truth.readers.map((reader) => [reader.id, reader]));
    for (const [id, unheard] of this.unheard) if (unheard.path === path && !listed.has(id)) this.unheard.delete(id);
    if (!this.paths.has(path) && !truth.available && truth.readers.length === 0) return corrections;
    const state = this.state(path);
    const hadReaders = state.readers.size > 0;
    for (const [id, entry] of state.readers) {
      if (listed.has(id) || entry.seq > since) continue;
      state.readers.delete(id);
      this.remember(id);
      corrections.removed.push({ type: entry.type, id });
    }
    for (const reader of truth.readers) {
      const ended = this.ended.get(reader.id);
      if (state.readers.has(reader.id) || (ended && ended.seq > since)) continue;
      if (!ended && !this.heardLongEnough(path, reader.id, now)) {
        corrections.waiting = true;
        continue;
      }
      // Listed although it sent `unread` before MediaMTX was asked: MediaMTX still counts it (an RTSP PAUSE does this).
      this.ended.delete(reader.id);
      state.readers.set(reader.id, { type: reader.type, seq: ++this.seq });
      corrections.added.push(reader);
    }
    if (state.available !== truth.available && state.availableSeq <= since) {
      state.available = truth.available;
      state.availableSeq = ++this.seq;
      corrections.available = truth.available;
    }
    corrections.lastLeft = hadReaders && corrections.removed.length > 0 && state.readers.size === 0;
    if (corrections.lastLeft || !state.available) state.demanded = false;
    this.forgetIfIdle(path, state);
    return corrections;
  }

  /** A listed reader without a hook: true once it has been listed for READ_HOOK_GRACE_MS. */
  private heardLongEnough(path: string, readerId: string, now: number): boolean {
    const unheard = this.unheard.get(readerId);
    if (unheard && now - unheard.at >= READ_HOOK_GRACE_MS) {
      this.unheard.delete(readerId);
      return true;
    }
    if (!unheard) {
      this.unheard.set(readerId, { path, at: now });
      if (this.unheard.size > ENDED_MAX) this.unheard.delete(this.unheard.keys().next().value as string);
    }
    return false;
  }

  private hasEnded(readerId: string, now = Date.now()): boolean {
    const ended = this.ended.get(readerId);
    if (ended && now - ended.at >= ENDED_KEEP_MS) this.ended.delete(readerId);
    return ended !== undefined && now - ended.at < ENDED_KEEP_MS;
  }

  private remember(readerId: string, now = Date.now()): void {
    this.ended.delete(readerId);
    this.ended.set(readerId, { at: now, seq: ++this.seq });
    // Oldest first: drop what is too old, and the oldest beyond the cap.
    for (const [id, ended] of this.ended) {
      if (this.ended.size <= ENDED_MAX && now - ended.at < ENDED_KEEP_MS) break;
      this.ended.delete(id);
    }
  }

  private forgetIfIdle(path: string, state: PathState): void {
    if (state.available || state.demanded || state.readers.size > 0) return;
    this.paths.delete(path);
    this.forgotten.delete(path);
    this.forgotten.set(path, state.availableSeq);
    if (this.forgotten.size > ENDED_MAX) this.forgotten.delete(this.forgotten.keys().next().value as string);
  }
}
