import { Module, type OnModuleInit } from '@nestjs/common';
import { CommandRegistry } from '../commands/command-registry.js';
import { UsersModule } from '../users/users.module.js';
import { AccessTokenService } from './access-token.service.js';
import { AuthStateCache } from './auth-state.cache.js';
import { authCommands } from './auth.commands.js';
import { AuthService } from './auth.service.js';
import { LoginThrottle } from './login-throttle.js';
import { SessionsRepository } from './sessions.repository.js';

@Module({
  imports: [UsersModule],
  providers: [SessionsRepository, AuthStateCache, AccessTokenService, LoginThrottle, AuthService],
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
