import { Module } from '@nestjs/common';
import { ApiModule } from '../api/api.module.js';
import { AuthModule } from '../auth/auth.module.js';
import { CamerasModule } from '../cameras/cameras.module.js';
import { RelayGateway } from './relay.gateway.js';
import { TopicFeed } from './topic-feed.js';

@Module({
  imports: [ApiModule, AuthModule, CamerasModule],
  providers: [RelayGateway, TopicFeed],
})
export class RealtimeModule {}
