import { Module, type OnModuleInit } from '@nestjs/common';
import { PassportModule } from '@nestjs/passport';
import { AuditModule } from '../audit/audit.module.js';
import { CommandRegistry } from '../commands/command-registry.js';
import { UsersModule } from '../users/users.module.js';
import { accessTokenKey } from './access-token.key.js';
import { AccessTokenService } from './access-token.service.js';
import { AuthStateCache } from './auth-state.cache.js';
import { authCommands } from './auth.commands.js';
import { AuthService } from './auth.service.js';
import { JwtStrategy } from './jwt.strategy.js';
import { SessionsRepository } from './sessions.repository.js';

@Module({
  imports: [UsersModule, AuditModule, PassportModule.register({ defaultStrategy: 'jwt', session: false })],
  providers: [SessionsRepository, accessTokenKey, AuthStateCache, JwtStrategy, AccessTokenService, AuthService],
  exports: [AccessTokenService, AuthService, AuthStateCache],
})
export class AuthModule implements OnModuleInit {
  constructor(
    private readonly registry: CommandRegistry,
    private readonly auth: AuthService,
  ) {}

  onModuleInit(): void {
    this.registry.register('auth', authCommands(this.auth));
  }
}
