import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Logger } from 'pino';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { LOGGER } from '../logging/logger.js';
import { RelayMetrics } from '../metrics/relay-metrics.js';
import { MediaMtxApi } from './mediamtx-api.client.js';
import { MediaMtxProcess } from './mediamtx-process.js';
import { PathSyncService } from './path-sync.service.js';
import { StreamReconciler } from './stream-reconciler.service.js';

/** How often MediaMTX is looked at (two small requests), unless MEDIAMTX_RECONCILE_SECONDS is shorter. */
const WATCH_MS = 2000;

/**
 * Notices at once what drops every path the relay added to MediaMTX: a restart (`/v3/info`
 * `started` changes, MediaMtxProcess; path sync looks too, before it writes) or a reload of its
 * configuration file, which MediaMTX watches and re-reads (`core.go` run, `confChanged`),
 * keeping only the file's paths. A reload leaves `started` as it was, so one of the paths the
 * relay saw listed is looked for in turn. Either sign puts the paths back and resets the stream
 * state from MediaMTX's lists, without waiting for the periodic pass.
 */
@Injectable()
export class MediaMtxWatch implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private probe = 0;
  /** Why the last look at MediaMTX got no answer; null when it did, undefined before the first look. */
  private unreachable: string | null | undefined;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly api: MediaMtxApi,
    private readonly sync: PathSyncService,
    private readonly reconciler: StreamReconciler,
    private readonly metrics: RelayMetrics,
    private readonly process: MediaMtxProcess,
  ) {
    process.onRestart(() => void this.resync('MediaMTX restarted: putting the camera paths back and resetting the stream state', {}));
  }

  /** Null while MediaMTX answers; otherwise why it does not (also before the first look has finished). */
  problem(): string | null {
    return this.unreachable === undefined ? 'MediaMTX has not been reached yet' : this.unreachable;
  }

  onApplicationBootstrap(): void {
    this.schedule();
  }

  onApplicationShutdown(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.look().finally(() => this.schedule()), Math.min(WATCH_MS, this.config.mediamtx.reconcileSeconds * 1000));
    this.timer.unref();
  }

  private async look(): Promise<void> {
    try {
      const restarted = await this.process.look().then(
        (answer) => {
          this.reached(null);
          return answer;
        },
        (error: unknown) => {
          this.reached((error as Error).message);
          throw error;
        },
      );
      // Told through onRestart, as is a restart that path sync notices first.
      if (restarted) return;
      const listed = this.sync.listedPaths();
      if (listed.length === 0) return;
      const path = listed[this.probe++ % listed.length];
      // Gone, unless the relay itself removed it meanwhile.
      if (!(await this.api.hasPathConfig(path)) && this.sync.listedPaths().includes(path)) {
        await this.resync('MediaMTX no longer has a camera path the relay put there (its configuration file was reloaded?): putting the paths back', { path });
      }
    } catch (error) {
      // Unreachable: path sync retries and reports it; the next answer tells whether it restarted.
      this.logger.debug({ error: (error as Error).message }, 'could not look at MediaMTX');
    }
  }

  private reached(problem: string | null): void {
    this.unreachable = problem;
    this.metrics.mediamtxReachable.set(problem === null ? 1 : 0);
  }

  private async resync(message: string, context: Record<string, unknown>): Promise<void> {
    this.logger.warn(context, message);
    this.sync.forgetWrites();
    await Promise.all([this.sync.reconcile(), this.reconciler.reconcileAll()]).catch((error: unknown) => {
      this.logger.warn({ error: (error as Error).message }, 'could not resync with MediaMTX');
    });
  }
}
