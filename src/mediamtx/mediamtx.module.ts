import { Module, type OnModuleInit } from '@nestjs/common';
import { ApiModule } from '../api/api.module.js';
import { AuthModule } from '../auth/auth.module.js';
import { CamerasModule } from '../cameras/cameras.module.js';
import { CamerasService } from '../cameras/cameras.service.js';
import { CredentialsModule } from '../credentials/credentials.module.js';
import { StreamTokensService } from '../tokens/stream-tokens.service.js';
import { TokensModule } from '../tokens/tokens.module.js';
import { CameraStatusService } from './camera-status.service.js';
import { HooksService } from './hooks.service.js';
import { MediaMtxApi } from './mediamtx-api.client.js';
import { MediaMtxAuthService } from './mediamtx-auth.service.js';
import { MediaMtxController } from './mediamtx.controller.js';
import { PathSyncService } from './path-sync.service.js';
import { StreamState } from './stream-state.js';
import { TokenSessions } from './token-sessions.js';

/** Everything that talks to MediaMTX: hooks, the auth callback, path sync, live status, kicking revoked sessions. */
@Module({
  imports: [ApiModule, AuthModule, CamerasModule, CredentialsModule, TokensModule],
  controllers: [MediaMtxController],
  providers: [MediaMtxApi, PathSyncService, CameraStatusService, HooksService, MediaMtxAuthService, StreamState, TokenSessions],
})
export class MediaMtxModule implements OnModuleInit {
  constructor(
    private readonly cameras: CamerasService,
    private readonly status: CameraStatusService,
    private readonly tokens: StreamTokensService,
    private readonly sessions: TokenSessions,
    private readonly api: MediaMtxApi,
  ) {}

  onModuleInit(): void {
    this.cameras.registerStatusProvider((cameras) => this.status.statuses(cameras));
    this.tokens.onRevoke(async (tokenId) => {
      let kicked = 0;
      for (const session of this.sessions.take(tokenId)) if (await this.api.kick(session.protocol, session.id).catch(() => false)) kicked += 1;
      return kicked;
    });
  }
}
