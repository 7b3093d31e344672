import { Module } from '@nestjs/common';
import { ApiModule } from '../api/api.module.js';
import { AuthModule } from '../auth/auth.module.js';
import { RelayGateway } from './relay.gateway.js';

@Module({
  imports: [ApiModule, AuthModule],
  providers: [RelayGateway],
})
export class RealtimeModule {}
