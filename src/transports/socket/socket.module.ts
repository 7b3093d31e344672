import { Module } from '@nestjs/common';
import { AuthModule } from '../../auth/auth.module.js';
import { CommandsModule } from '../../commands/commands.module.js';
import { FeedModule } from '../../feed/feed.module.js';
import { UsersModule } from '../../users/users.module.js';
import { RelayGateway } from './relay.gateway.js';
import { SlowConsumers } from './slow-consumers.js';
import { ClusterPresence } from './cluster-presence.js';
import { PresenceStore } from './presence.store.js';
import { SocketSessions } from './socket-sessions.js';

/** The Socket.IO face: the `request` RPC, the handshake, live sessions and their topic feed. */
@Module({
  imports: [CommandsModule, AuthModule, UsersModule, FeedModule],
  providers: [RelayGateway, SocketSessions, SlowConsumers, ClusterPresence, PresenceStore],
})
export class SocketModule {}
