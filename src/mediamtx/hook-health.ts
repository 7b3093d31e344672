import { Injectable } from '@nestjs/common';
import type { PathRuntime } from './mediamtx-api.client.js';

/** How long a stream may be ready before its `ready` hook counts as missing. */
const HOOK_GRACE_MS = 15_000;
/** Clock difference allowed between MediaMTX's `availableTime` and the relay's. */
const CLOCK_TOLERANCE_MS = 1000;

/**
 * Whether MediaMTX's hooks reach the relay. MediaMTX discards a hook's exit status
 * (`internal/externalcmd/cmd_os.go`), so a wrong RELAY_HOOK_SECRET, RELAY_URL or image is silent
 * on its side. The evidence: a stream that became ready after the last hook the relay accepted
 * (seen newly ready in MediaMTX's path list, or with an `availableTime` after that) while hooks
 * are being refused, or still without any hook a while later.
 */
@Injectable()
export class HookHealth {
  private readonly startedAt = Date.now();
  private lastAcceptedAt: number | null = null;
  private lastRefusedAt: number | null = null;
  /** The previous look at MediaMTX's paths: when it was taken and which were ready. */
  private lastLook: { at: number; ready: Set<string> } | null = null;
  /** Ready paths that became ready after the last accepted hook, with when the relay first saw that. */
  private unheard = new Map<string, number>();

  accepted(now = Date.now()): void {
    this.lastAcceptedAt = now;
    // Any hook proves the way works; a stream it did not report is not a configuration problem.
    this.unheard.clear();
  }

  refused(now = Date.now()): void {
    this.lastRefusedAt = now;
  }

  /** MediaMTX's path list as just read (every page). */
  observe(paths: PathRuntime[], now = Date.now()): void {
    const silentSince = this.lastAcceptedAt ?? this.startedAt;
    const ready = new Set<string>();
    const unheard = new Map<string, number>();
    for (const path of paths) {
      if (!path.available) continue;
      ready.add(path.name);
      const seenAt = this.unheard.get(path.name);
      if (seenAt !== undefined || this.readyAfter(path, silentSince)) unheard.set(path.name, seenAt ?? now);
    }
    this.unheard = unheard;
    this.lastLook = { at: now, ready };
  }

  /** MediaMTX could not be asked: nothing known about its streams. */
  unknown(): void {
    this.lastLook = null;
    this.unheard.clear();
  }

  /** Why hooks look broken, naming what to check; null when nothing says so. */
  problem(now = Date.now()): string | null {
    if (this.unheard.size === 0) return null;
    const silentSince = this.lastAcceptedAt ?? this.startedAt;
    const streams = [...this.unheard.keys()].slice(0, 3).join(', ');
    if (this.lastRefusedAt !== null && this.lastRefusedAt > silentSince) {
      return `MediaMTX has streams (${streams}) but its hooks are refused: the X-Hook-Secret they send (RELAY_HOOK_SECRET in MediaMTX's environment) is not the relay's MEDIAMTX_HOOK_SECRET`;
    }
    const overdue = [...this.unheard.values()].some((seenAt) => now - seenAt >= HOOK_GRACE_MS);
    if (!overdue) return null;
    return `MediaMTX has streams (${streams}) but no hook has reached the relay since ${this.lastAcceptedAt === null ? 'it started' : new Date(this.lastAcceptedAt).toISOString()}: check RELAY_URL and RELAY_HOOK_SECRET in MediaMTX's environment, and that its image has wget (bluenviron/mediamtx:1-ffmpeg)`;
  }

  /**
   * Whether a ready path became ready after `silentSince`: it was not ready at the previous
   * look, taken after that; or its `availableTime` says so, clearly (MediaMTX's clock may differ
   * a little from the relay's).
   */
  private readyAfter(path: PathRuntime, silentSince: number): boolean {
    if (this.lastLook && !this.lastLook.ready.has(path.name)) return this.lastLook.at >= silentSince;
    const at = Date.parse(path.availableTime ?? path.readyTime ?? '');
    return !Number.isNaN(at) && at > silentSince + CLOCK_TOLERANCE_MS;
  }
}
