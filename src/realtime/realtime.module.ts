import { Module } from '@nestjs/common';
import { ApiModule } from '../api/api.module.js';
import { AuthModule } from '../auth/auth.module.js';
import { UsersModule } from '../users/users.module.js';
import { FeedSubscriptions } from './feed-subscriptions.js';
import { RelayGateway } from './relay.gateway.js';
import { SlowConsumerGuard } from './slow-consumer.guard.js';
import { SocketSessions } from './socket-sessions.js';
import { TopicFeed } from './topic-feed.js';
import { UserChanges } from './user-changes.js';

@Module({
  imports: [ApiModule, AuthModule, UsersModule],
  providers: [RelayGateway, TopicFeed, FeedSubscriptions, SocketSessions, SlowConsumerGuard, UserChanges],
})
export class RealtimeModule {}
