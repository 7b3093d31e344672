import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Logger } from 'pino';
import { CoalescingRun } from '../common/coalescing-run.js';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { EventBus } from '../events/event-bus.js';
import { Leadership } from '../jobs/leadership.service.js';
import { LOGGER } from '../logging/logger.js';
import { DesiredPaths, type DesiredPath } from './desired-paths.js';
import { MediaMtxApi, MediaMtxRefused, MediaMtxUnreachable, type PathConfig } from './mediamtx-api.client.js';
import { MediaMtxProcess } from './mediamtx-process.js';
import type { SyncState } from './mediamtx-path.entity.js';
import { MediaMtxPathsRepository, type PathRow } from './mediamtx-paths.repository.js';
import { scrubSecrets } from './secret-scrub.js';

const RETRY_WHILE_UNREACHABLE_MS = 2000;

/** Camera fields that end up in MediaMTX's path configuration; a change of name or description needs no sync. */
const PATH_FIELDS = new Set(['mtx_path', 'source_url', 'credential_id', 'rtsp_transport', 'oauth2_token_in', 'is_enabled']);
const touchesPath = (changed: unknown): boolean => !Array.isArray(changed) || changed.some((field) => PATH_FIELDS.has(String(field)));
const DEBOUNCE_MS = 50;
// MediaMTX answers a config change before it applies it, and applying waits on its path manager,
// so its path list lags behind by an unknown time: a written path is looked for again this often,
// and not written again until it is listed (or this long has passed, or MediaMTX restarted).
const APPLY_LAG_MS = 2000;
const APPLY_LAG_MAX_MS = 60_000;

/**
 * Keeps MediaMTX's paths in line with the cameras in the database, which is the source of
 * truth. MediaMTX keeps API changes only in memory, so this runs at start, on every camera or
 * credential change, periodically, and as soon as MediaMTX answers again after an outage. It
 * touches only paths it owns (those in mediamtx_paths), and never writes back what it reads.
 */
@Injectable()
export class PathSyncService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly passes = new CoalescingRun(() => this.reconcileOnce(), {
    again: () => !this.stopped,
    onError: (error) => this.logger.error({ err: error }, 'path reconciliation failed'),
  });
  private timer: NodeJS.Timeout | undefined;
  private debounce: NodeJS.Timeout | undefined;
  /** A pass once MediaMTX's list should show what was just written. */
  private lagCheck: NodeJS.Timeout | undefined;
  private stopped = false;
  private reachable = true;
  private rows: Promise<Map<string, PathRow>> | undefined;
  /** Paths this instance added to MediaMTX and has not seen listed since, with when. */
  private readonly appliedAt = new Map<string, number>();
  /** Owned paths MediaMTX listed at the last pass, in line with the cameras. */
  private listed: string[] = [];

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly paths: MediaMtxPathsRepository,
    private readonly api: MediaMtxApi,
    private readonly desiredPaths: DesiredPaths,
    private readonly leadership: Leadership,
    private readonly process: MediaMtxProcess,
    bus: EventBus,
  ) {
    // Writes the restarted process had not applied yet are lost with it.
    process.onRestart(() => this.forgetWrites());
    // Changes made through any instance reach the one that runs the sync through the feed.
    bus.subscribe('feed', (event) => {
      if (event.domain === 'camera' && (event.event === 'created' || event.event === 'deleted')) this.soon();
      if (event.domain === 'camera' && event.event === 'updated' && touchesPath(event.details.changed)) this.soon();
      if (event.domain === 'credentials' && event.event === 'updated') this.soon();
    });
  }

  onApplicationBootstrap(): void {
    this.leadership.onChange((leader) => {
      // Another instance kept the table meanwhile: read it afresh.
      this.rows = undefined;
      if (leader) this.schedule(0);
      else clearTimeout(this.timer);
    });
    if (this.leadership.isLeader()) this.schedule(0);
  }

  onApplicationShutdown(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    clearTimeout(this.debounce);
    clearTimeout(this.lagCheck);
  }

  /**
   * Sync state per camera id: `ok`, or `pending` with the last error. Served from memory on the
   * instance that runs the sync (it writes every row), read from the table on the others.
   */
  async states(cameraIds: number[]): Promise<Map<number, { state: 'ok' | 'pending'; error: string | null }>> {
    // Only the instance running the sync writes the table; the others read what it wrote.
    if (!this.leadership.isLeader()) this.rows = undefined;
    const rows = await this.knownRows();
    const byCamera = new Map<number, { state: 'ok' | 'pending'; error: string | null }>();
    const wanted = new Set(cameraIds);
    for (const row of rows.values()) {
      // A conflict is, to the user, a change not applied yet: pending, with the reason.
      if (row.cameraId !== null && wanted.has(row.cameraId)) byCamera.set(row.cameraId, { state: row.state === 'ok' ? 'ok' : 'pending', error: row.lastError });
    }
    return byCamera;
  }

  private knownRows(): Promise<Map<string, PathRow>> {
    this.rows ??= this.paths.findAll().then((found) => new Map(found.map((row) => [row.name, row])));
    this.rows.catch(() => (this.rows = undefined));
    return this.rows;
  }

  /** Runs a reconciliation now, or once more after the one under way (on the instance that runs background work). */
  reconcile(): Promise<void> {
    if (!this.leadership.isLeader()) return Promise.resolve();
    return this.passes.run();
  }

  /** Owned paths MediaMTX listed at the last pass: the MediaMTX watch checks they are still there. */
  listedPaths(): readonly string[] {
    return this.passes.busy ? [] : this.listed;
  }

  /** MediaMTX restarted or reloaded: writes it had not applied yet are lost, so nothing counts as just written. */
  forgetWrites(): void {
    this.appliedAt.clear();
  }

  private soon(): void {
    clearTimeout(this.debounce);
    this.debounce = setTimeout(() => void this.reconcile(), DEBOUNCE_MS);
  }

  private schedule(delayMs: number): void {
    if (this.stopped || !this.leadership.isLeader()) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      void this.reconcile().finally(() => this.schedule(this.reachable ? this.config.mediamtx.reconcileSeconds * 1000 : RETRY_WHILE_UNREACHABLE_MS));
    }, delayMs);
    this.timer.unref();
  }

  private async reconcileOnce(): Promise<void> {
    const rows = new Map(await this.knownRows());
    const { desired, unbuildable } = await this.desiredPaths.build();
    // A camera whose source cannot be built keeps whatever MediaMTX has until it can.
    for (const [name, { cameraId, error }] of unbuildable) await this.save(name, cameraId, null, 'pending', error);
    let present: Set<string>;
    try {
      // Which process the writes below go to: a restart after them is then always noticed.
      await this.process.look();
      present = new Set(await this.api.configuredPathNames());
    } catch (error) {
      await this.markPending(rows, desired, error);
      this.wentUnreachable(error);
      return;
    }
    if (!this.reachable) this.logger.info('MediaMTX is reachable again; paths reconciled');
    this.reachable = true;
    this.seeApplied(present);
    const justWritten = this.writtenJustNow();
    this.listed = [...desired.keys()].filter((name) => present.has(name) && rows.get(name)?.state === 'ok');

    for (const [name, path] of desired) {
      const row = rows.get(name);
      const owned = row !== undefined && row.state !== 'conflict';
      if (present.has(name) && !owned) {
        // Someone else's path (mediamtx.yml, another tool): reported, never replaced or deleted.
        await this.save(name, path.cameraId, null, 'conflict', `MediaMTX already has a path named ${name} that the relay does not own`);
        continue;
      }
      if (row?.state === 'ok' && row.configHash === path.hash) {
        if (present.has(name)) continue;
        if (justWritten.has(name)) {
          // Not listed yet, or gone again: the pass after the lag tells.
          this.checkAfterLag();
          continue;
        }
      }
      // Ownership is claimed before the write, so a crash in between cannot orphan the path.
      if (!owned) await this.save(name, path.cameraId, null, 'pending', null);
      try {
        await this.apply(name, path.config, present.has(name));
        if (!present.has(name)) {
          // Listed already, a replaced path proves nothing about when it is applied: only adds are waited for.
          this.appliedAt.set(name, Date.now());
          // Look again once MediaMTX may list it: it is then known to be there (see listedPaths).
          this.checkAfterLag();
        }
        await this.save(name, path.cameraId, path.hash, 'ok', null);
      } catch (error) {
        // MediaMTX's messages may quote the source, which carries the credential: never keep that.
        await this.save(name, path.cameraId, row?.configHash ?? null, 'pending', scrubSecrets((error as Error).message, path.source));
        if (error instanceof MediaMtxUnreachable) return this.wentUnreachable(error);
      }
    }
    for (const [name, row] of rows) {
      if (desired.has(name) || unbuildable.has(name)) continue;
      try {
        // Always asked: a path written any time before may be in MediaMTX though not listed yet (a 404 says it is not).
        if (row.state !== 'conflict') await this.api.deletePath(name);
        await this.forget(name);
      } catch (error) {
        if (error instanceof MediaMtxRefused && error.status === 404) await this.forget(name);
        else if (error instanceof MediaMtxUnreachable) return this.wentUnreachable(error);
        else this.logger.warn({ path: name, error: scrubSecrets((error as Error).message) }, 'could not remove a MediaMTX path');
      }
    }
  }

  private checkAfterLag(): void {
    if (this.lagCheck) return;
    this.lagCheck = setTimeout(() => {
      this.lagCheck = undefined;
      void this.reconcile();
    }, APPLY_LAG_MS);
    this.lagCheck.unref();
  }

  /**
   * Listed paths are applied. MediaMTX applies writes in the order they were made, so a path
   * written before one now listed, and not listed itself, was dropped (a reload of its file
   * right after the write): it is no longer waited for.
   */
  private seeApplied(present: Set<string>): void {
    const lastApplied = Math.max(...[...this.appliedAt].filter(([name]) => present.has(name)).map(([, at]) => at));
    for (const [name, at] of this.appliedAt) if (present.has(name) || at < lastApplied) this.appliedAt.delete(name);
  }

  /** The paths written and not listed yet, as MediaMTX may still be applying them. */
  private writtenJustNow(): Set<string> {
    const now = Date.now();
    for (const [name, at] of this.appliedAt) if (now - at >= APPLY_LAG_MAX_MS) this.appliedAt.delete(name);
    return new Set(this.appliedAt.keys());
  }

  private async apply(name: string, config: PathConfig, exists: boolean): Promise<void> {
    if (exists) return this.api.replacePath(name, config);
    try {
      await this.api.addPath(name, config);
    } catch (error) {
      // Added meanwhile (MediaMTX answers before it applies, so a list may lag behind).
      if (error instanceof MediaMtxRefused && error.status === 400 && /already exists/.test(error.message)) return this.api.replacePath(name, config);
      throw error;
    }
  }

  private async markPending(rows: Map<string, PathRow>, desired: Map<string, DesiredPath>, error: unknown): Promise<void> {
    for (const [name, path] of desired) {
      if (rows.get(name)?.state !== 'conflict') await this.save(name, path.cameraId, rows.get(name)?.configHash ?? null, 'pending', scrubSecrets((error as Error).message, path.source));
    }
  }

  private wentUnreachable(error: unknown): void {
    if (this.reachable) this.logger.warn({ error: (error as Error).message }, 'MediaMTX is unreachable; camera changes will be applied when it is back');
    this.reachable = false;
    this.schedule(RETRY_WHILE_UNREACHABLE_MS);
  }

  private async save(name: string, cameraId: number, configHash: string | null, state: SyncState, lastError: string | null): Promise<void> {
    await this.paths.save({ name, cameraId, configHash, state, lastError });
    (await this.knownRows()).set(name, { name, cameraId, configHash, state, lastError });
  }

  private async forget(name: string): Promise<void> {
    await this.paths.delete(name);
    (await this.knownRows()).delete(name);
    this.appliedAt.delete(name);
    this.listed = this.listed.filter((listed) => listed !== name);
  }
}
