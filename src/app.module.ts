import { Module, type DynamicModule } from '@nestjs/common';
import { AuditModule } from './audit/audit.module.js';
import { AuthModule } from './auth/auth.module.js';
import { CamerasModule } from './cameras/cameras.module.js';
import { CoreModule, type CoreDependencies } from './core.module.js';
import { CredentialsModule } from './credentials/credentials.module.js';
import { EventsModule } from './events/events.module.js';
import { HealthModule } from './health/health.module.js';
import { JobsModule } from './jobs/jobs.module.js';
import { LogsModule } from './logs/logs.module.js';
import { MediaMtxModule } from './mediamtx/mediamtx.module.js';
import { MetricsModule } from './metrics/metrics.module.js';
import { OAuth2Module } from './oauth2/oauth2.module.js';
import { SubscriptionsModule } from './subscriptions/subscriptions.module.js';
import { SystemModule } from './system/system.module.js';
import { TokensModule } from './tokens/tokens.module.js';
import { RestModule } from './transports/rest/rest.module.js';
import { SocketModule } from './transports/socket/socket.module.js';
import { UsersModule } from './users/users.module.js';

@Module({})
export class AppModule {
  static forRoot(dependencies: CoreDependencies): DynamicModule {
    return {
      module: AppModule,
      imports: [
        CoreModule.forRoot(dependencies),
        MetricsModule,
        JobsModule,
        EventsModule,
        AuditModule,
        UsersModule,
        AuthModule,
        CredentialsModule,
        CamerasModule,
        LogsModule,
        TokensModule,
        MediaMtxModule,
        OAuth2Module,
        HealthModule,
        SystemModule,
        SubscriptionsModule,
        RestModule,
        SocketModule,
      ],
    };
  }
}
