import { Inject, Module, type OnModuleInit } from '@nestjs/common';
import type { Logger } from 'pino';
import { CommandsModule } from '../commands/commands.module.js';
import { AuthModule } from '../auth/auth.module.js';
import { CamerasModule } from '../cameras/cameras.module.js';
import { CamerasService } from '../cameras/cameras.service.js';
import { CredentialsModule } from '../credentials/credentials.module.js';
import { StreamTokensService } from '../tokens/stream-tokens.service.js';
import { TokensModule } from '../tokens/tokens.module.js';
import { EventBus } from '../events/event-bus.js';
import { LOGGER } from '../logging/logger.js';
import { RelayMetrics } from '../metrics/relay-metrics.js';
import { CameraStatesRepository } from './camera-states.repository.js';
import { CameraStates } from './camera-states.js';
import { CameraStatusService } from './camera-status.service.js';
import { DesiredPaths } from './desired-paths.js';
import { MediaMtxAuthCallers } from './auth-callers.js';
import { HookHealth } from './hook-health.js';
import { HooksService } from './hooks.service.js';
import { MediaMtxApi } from './mediamtx-api.client.js';
import { MediaMtxAuthService } from './mediamtx-auth.service.js';
import { MediaMtxPathsRepository } from './mediamtx-paths.repository.js';
import { MediaMtxProcess } from './mediamtx-process.js';
import { MediaMtxWatch } from './mediamtx-watch.service.js';
import { MediaMtxController } from './mediamtx.controller.js';
import { PathSyncService } from './path-sync.service.js';
import { ReaderAuthCache } from './reader-auth-cache.js';
import { ReaderIdentities } from './reader-identities.js';
import { StreamEvents } from './stream-events.js';
import { StreamReconciler } from './stream-reconciler.service.js';
import { StreamState } from './stream-state.js';
import { ViewerSessions, type ViewerSession } from './viewer-sessions.js';
import { UsersModule } from '../users/users.module.js';
import { HookRelay } from './hook-relay.js';
import { RelayedHooksStore } from './relayed-hooks.store.js';

/** Everything that talks to MediaMTX: hooks, the auth callback, path sync, live status, kicking revoked sessions. */
@Module({
  imports: [CommandsModule, AuthModule, CamerasModule, CredentialsModule, TokensModule, UsersModule],
  controllers: [MediaMtxController],
  providers: [
    HookRelay,
    RelayedHooksStore,
    MediaMtxPathsRepository,
    MediaMtxApi,
    PathSyncService,
    DesiredPaths,
    MediaMtxProcess,
    CameraStatusService,
    CameraStates,
    CameraStatesRepository,
    HooksService,
    MediaMtxAuthService,
    MediaMtxAuthCallers,
    ReaderAuthCache,
    ReaderIdentities,
    StreamState,
    StreamEvents,
    StreamReconciler,
    HookHealth,
    MediaMtxWatch,
    ViewerSessions,
  ],
  exports: [PathSyncService, HookHealth, MediaMtxWatch],
})
export class MediaMtxModule implements OnModuleInit {
  constructor(
    private readonly cameras: CamerasService,
    private readonly status: CameraStatusService,
    private readonly tokens: StreamTokensService,
    private readonly sessions: ViewerSessions,
    private readonly api: MediaMtxApi,
    private readonly bus: EventBus,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly metrics: RelayMetrics,
    private readonly paths: MediaMtxPathsRepository,
  ) {}

  onModuleInit(): void {
    this.metrics.onScrape(async () => {
      const counts = await this.paths.countBySyncState();
      for (const state of ['in_sync', 'pending', 'failed'] as const) this.metrics.mediamtxPaths.labels(state).set(counts[state]);
    });
    this.cameras.registerStatusProvider((cameras) => this.status.statuses(cameras));
    this.tokens.onRevoke((tokenId) => this.kick((session) => session.tokenId === tokenId));
    // A token revoked through another instance (here the sessions were already kicked above).
    this.bus.subscribe('stream-token.revoked', ({ tokenId }) => void this.kick((session) => session.tokenId === tokenId));
    // Taking access away ends the streams already running, not only the next attempt.
    this.bus.subscribe('user.revoked', ({ userId }) => void this.kick((session) => session.userId === userId));
    this.bus.subscribe('access.changed', ({ userId, role, cameraIds }) => {
      if (role !== 'admin') void this.kick((session) => session.userId === userId && !cameraIds.includes(session.cameraId));
    });
  }

  private async kick(match: (session: ViewerSession) => boolean): Promise<number> {
    let kicked = 0;
    for (const session of this.sessions.take(match)) {
      const ended = await this.api.kick(session).then(
        (found) => {
          this.metrics.kicked(found ? 'ended' : 'not_found');
          return found;
        },
        (error: unknown) => {
          this.metrics.kicked('failed');
          this.logger.warn({ session: session.id, error: (error as Error).message }, 'could not end a MediaMTX session');
          return false;
        },
      );
      if (ended) kicked += 1;
    }
    return kicked;
  }
}
