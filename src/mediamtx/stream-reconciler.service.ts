import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Logger } from 'pino';
import { CoalescingRun } from '../common/coalescing-run.js';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { LOGGER } from '../logging/logger.js';
import { HookHealth } from './hook-health.js';
import { MediaMtxApi, type PathRuntime } from './mediamtx-api.client.js';
import { StreamEvents } from './stream-events.js';
import { READ_HOOK_GRACE_MS, StreamState, type PathTruth } from './stream-state.js';
import { ViewerSessions } from './viewer-sessions.js';

/** How long after a hook that looks out of order the path is checked: the hooks started with it have landed by then. */
const SETTLE_MS = 1000;
const OBSERVE_EVERY_MS = 10_000;

const truthOf = (runtime: PathRuntime | null | undefined): PathTruth => ({
  available: runtime?.available ?? false,
  source: runtime?.source ?? null,
  readers: runtime?.readers.map(({ type, id }) => ({ type, id })) ?? [],
});

/**
 * Keeps the stream state the hooks build in line with MediaMTX's own lists (`/v3/paths/list`
 * and `/v3/paths/get`, whose `readers` name every reader a hook reports, of every protocol), so
 * that reader counts and `camera:*` events end right whatever order the hooks came in, or if
 * some never came: every `MEDIAMTX_RECONCILE_SECONDS`, a moment after a hook that looks out of
 * order, and at once after MediaMTX restarts. A correction is published as the event the
 * missing hook would have been, with `reconciled: true`; a listed reader no hook told of yet
 * is left to its `read` hook for READ_HOOK_GRACE_MS, then looked at again.
 *
 * Only on the instance MediaMTX sends its hooks to (one that has accepted a hook): another
 * instance would announce, as corrections, readers it merely never heard of. Every instance
 * looks at MediaMTX's streams all the same, for HookHealth.
 */
@Injectable()
export class StreamReconciler implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer: NodeJS.Timeout | undefined;
  private observeTimer: NodeJS.Timeout | undefined;
  private observedAt = 0;
  private readonly checks = new Map<string, NodeJS.Timeout>();
  private hookTarget = false;
  private stopped = false;
  private readonly passes = new CoalescingRun(() => this.reconcileAllOnce(), { again: () => !this.stopped });

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly api: MediaMtxApi,
    private readonly state: StreamState,
    private readonly events: StreamEvents,
    private readonly viewers: ViewerSessions,
    private readonly health: HookHealth,
  ) {}

  onApplicationBootstrap(): void {
    this.schedule(0);
  }

  onApplicationShutdown(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    clearTimeout(this.observeTimer);
    for (const timer of this.checks.values()) clearTimeout(timer);
    this.checks.clear();
  }

  /** A hook was accepted: MediaMTX's hooks come to this instance. */
  hooksArrive(): void {
    this.hookTarget = true;
  }

  /** Checks one path against MediaMTX a moment from now (at most one check waiting per path). */
  checkSoon(path: string, delayMs = SETTLE_MS): void {
    if (this.stopped || !this.hookTarget || this.checks.has(path)) return;
    const timer = setTimeout(() => {
      this.checks.delete(path);
      void this.checkPath(path);
    }, delayMs);
    timer.unref();
    this.checks.set(path, timer);
  }

  /**
   * A full look at MediaMTX soon (a hook was refused: HookHealth wants to know what streams
   * there are). Anyone can send a refused hook, so at most one such look every OBSERVE_EVERY_MS.
   */
  observeSoon(): void {
    if (this.stopped || this.observeTimer) return;
    const delay = Math.max(SETTLE_MS, this.observedAt + OBSERVE_EVERY_MS - Date.now());
    this.observeTimer = setTimeout(() => {
      this.observeTimer = undefined;
      this.observedAt = Date.now();
      void this.reconcileAll();
    }, delay);
    this.observeTimer.unref();
  }

  /** Every path against MediaMTX's list, now (or once more after the pass under way). */
  reconcileAll(): Promise<void> {
    return this.passes.run();
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.reconcileAll().finally(() => this.schedule(this.config.mediamtx.reconcileSeconds * 1000)), delayMs);
    this.timer.unref();
  }

  private async reconcileAllOnce(): Promise<void> {
    const since = this.state.mark();
    let paths: PathRuntime[];
    try {
      paths = await this.api.paths();
    } catch (error) {
      // Path sync reports MediaMTX being unreachable; nothing here to correct meanwhile.
      this.health.unknown();
      this.logger.debug({ error: (error as Error).message }, 'could not list MediaMTX paths for the stream state');
      return;
    }
    this.health.observe(paths);
    if (!this.hookTarget) return;
    const byName = new Map(paths.map((path) => [path.name, path]));
    try {
      for (const name of new Set([...byName.keys(), ...this.state.knownPaths()])) await this.apply(name, truthOf(byName.get(name)), since);
    } catch (error) {
      this.logger.warn({ error: (error as Error).message }, 'could not publish the stream state corrections');
    }
  }

  private async checkPath(path: string): Promise<void> {
    const since = this.state.mark();
    try {
      await this.apply(path, truthOf(await this.api.pathRuntime(path)), since);
    } catch (error) {
      this.logger.debug({ path, error: (error as Error).message }, 'could not check a MediaMTX path against the stream state');
    }
  }

  private async apply(path: string, truth: PathTruth, since: number): Promise<void> {
    const { available, added, removed, lastLeft, waiting } = this.state.reconcile(path, truth, since);
    // A reader whose `read` may still come: look again once its grace is over (a lost hook is corrected then).
    if (waiting) this.checkSoon(path, READ_HOOK_GRACE_MS + SETTLE_MS);
    const source = { sourceType: truth.source?.type, sourceId: truth.source?.id };
    if (available === true) await this.events.publish(path, 'ready', source, true);
    for (const reader of added) await this.events.publish(path, 'read', { readerType: reader.type, readerId: reader.id }, true);
    for (const reader of removed) {
      this.viewers.forget(reader.id);
      await this.events.publish(path, 'unread', { readerType: reader.type ?? undefined, readerId: reader.id }, true);
    }
    if (lastLeft) await this.events.publish(path, 'unDemand', {}, true);
    if (available === false) await this.events.publish(path, 'notReady', source, true);
    if (available !== null || added.length > 0 || removed.length > 0) {
      this.logger.info({ path, available, added: added.length, removed: removed.length }, 'stream state corrected from MediaMTX (hooks lost or out of order)');
    }
  }
}
